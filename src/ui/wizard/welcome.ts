/**
 * Screen 1, Welcome: what already exists, and the path that fits it. An interrupted run's
 * journal is offered first, as Resume; then a new organization, or adopting the one the current
 * credentials manage. Detection runs after the first frame is drawn. Pure.
 */
import { styledLine } from '../console/style.js';
import { menuRow, paragraph, plural } from './layout.js';
import { keyName, keyText, listMove, type KeyOutcome, type KeyPress, type RenderContext } from './types.js';

export type OrganizationFinding =
  | { kind: 'none'; account: string }
  | { kind: 'management'; account: string; id: string }
  | { kind: 'member'; account: string; id: string; managementAccountId: string }
  | { kind: 'unknown'; reason: string };

export interface InterruptedRun {
  journal: string;
  /** The blueprint file the run used. */
  blueprint: string;
  done: number;
  failed: number;
  inFlight: string[];
  updatedAt: string;
}

export interface Detection {
  interrupted?: InterruptedRun;
  /** A blueprint file found in the working directory (awsorg.yaml). */
  blueprintFile?: string;
  organization: OrganizationFinding;
}

export type WelcomeChoice = 'resume' | 'start' | 'quit';

export interface WelcomeState {
  detection?: Detection;
  cursor: number;
}

export type WelcomeIntent = { kind: 'choose'; choice: WelcomeChoice };

export function initialWelcome(): WelcomeState {
  return { cursor: 0 };
}

function choices(state: WelcomeState): { choice: WelcomeChoice; label: string }[] {
  const d = state.detection;
  const list: { choice: WelcomeChoice; label: string }[] = [];
  if (d?.interrupted)
    list.push({ choice: 'resume', label: `Resume the interrupted run of ${d.interrupted.blueprint}` });
  const org = d?.organization;
  const start =
    org?.kind === 'management'
      ? `Adopt organization ${org.id} and bring it to a blueprint`
      : org?.kind === 'none'
        ? 'Create a new organization from a blueprint'
        : 'Start: sign in, then choose a blueprint';
  list.push({ choice: 'start', label: d?.interrupted ? `${start} (start over)` : start });
  list.push({ choice: 'quit', label: 'Quit' });
  return list;
}

export function welcomeKey(state: WelcomeState, press: KeyPress): KeyOutcome<WelcomeState, WelcomeIntent> {
  if (!state.detection) return { state };
  const list = choices(state);
  const move = listMove(press);
  if (move) return { state: { ...state, cursor: Math.max(0, Math.min(list.length - 1, state.cursor + move)) } };
  if (keyName(press) === 'enter') return { state, intent: { kind: 'choose', choice: list[state.cursor]!.choice } };
  if (keyText(press) === 'r' && state.detection.interrupted)
    return { state, intent: { kind: 'choose', choice: 'resume' } };
  return { state };
}

export function welcomeDetected(state: WelcomeState, detection: Detection): WelcomeState {
  return { ...state, detection, cursor: 0 };
}

function organizationLines(org: OrganizationFinding, ctx: RenderContext): string[] {
  const { width, palette: p } = ctx;
  switch (org.kind) {
    case 'none':
      return paragraph(
        `Account ${org.account} is not in an organization. Bootstrap will create one (feature set ALL) with this account as its management account.`,
        width,
        p,
        '',
        2,
      );
    case 'management':
      return paragraph(
        `Organization ${org.id} exists and account ${org.account} is its management account. Bootstrap will adopt it: existing OUs, accounts and policies are kept, and only what the blueprint adds is created.`,
        width,
        p,
        '',
        2,
      );
    case 'member':
      return paragraph(
        `Account ${org.account} is a member of organization ${org.id}. Bootstrap must run in the management account (${org.managementAccountId}); you can sign in to it on the next screen.`,
        width,
        p,
        p.warning,
        2,
      );
    case 'unknown':
      return paragraph(`Not checked yet: ${org.reason}. You sign in on the next screen.`, width, p, p.dim, 2);
  }
}

export function welcomeLines(state: WelcomeState, ctx: RenderContext): string[] {
  const { width, palette: p } = ctx;
  const lines = [
    styledLine(
      [{ text: 'From one AWS account to a governed organization with remote Terraform state.', style: p.bold }],
      '',
      p,
    ),
    ...paragraph(
      'The wizard signs you in, builds a blueprint with you, shows every change as a plan with its API call, applies it with a journal that survives a crash, moves your bootstrap Terraform state into the new bucket, and ends in the operator console.',
      width,
      p,
    ),
    '',
  ];
  const d = state.detection;
  if (!d) {
    lines.push(
      ...paragraph(
        'Looking at what exists: your credentials, the organization, and interrupted runs…',
        width,
        p,
        p.dim,
        2,
      ),
    );
    return lines;
  }
  lines.push(styledLine([{ text: 'What exists', style: p.bold }], '', p));
  lines.push(...organizationLines(d.organization, ctx));
  if (d.interrupted) {
    const r = d.interrupted;
    const inFlight = r.inFlight.length ? `; in flight when it stopped: ${r.inFlight.join(', ')}` : '';
    lines.push(
      ...paragraph(
        `An interrupted run of ${r.blueprint} was found (journal ${r.journal}): ${plural(r.done, 'change')} done, ${r.failed} failed${inFlight}. Resume picks up where it stopped; nothing is created twice.`,
        width,
        p,
        p.warning,
        2,
      ),
    );
  } else if (d.blueprintFile) {
    lines.push(
      ...paragraph(
        `Blueprint ${d.blueprintFile} found in this directory; the blueprint screen starts from it.`,
        width,
        p,
        '',
        2,
      ),
    );
  }
  lines.push('');
  choices(state).forEach((c, i) => {
    lines.push(menuRow(c.label, i === state.cursor, width, p));
  });
  return lines;
}

export function welcomeHints(state: WelcomeState): string {
  return state.detection ? 'Up/Down choose · Enter continue · ? help · q quit' : 'q quit';
}

export function welcomeHelp(): string[] {
  return [
    'Welcome',
    '  Up/Down, j/k   choose a path',
    '  Enter          continue with it',
    '  r              resume an interrupted run (when one is offered)',
    '  q, Ctrl-C      quit; nothing has been changed yet',
    '',
    'Resume reads the journal next to the blueprint (NAME.journal.json). Account creations that',
    'were in flight are polled by their request id rather than created again.',
  ];
}
