/** Screen 7, Done: what was created, with ids, and where the blueprint is. Pure. */
import { clip, styledLine } from '../console/style.js';
import { field, menuRow, paragraph, plural } from './layout.js';
import { keyName, keyText, listMove, type KeyOutcome, type KeyPress, type RenderContext } from './types.js';

export interface Summary {
  organizationId?: string;
  managementAccountId?: string;
  rootId?: string;
  organizationalUnits: [string, string][];
  accounts: [string, string][];
  stateBucket?: string;
  lockTable?: string;
  deployRole?: string;
  trail?: string;
  state?: string;
  /** With terraform.handoff: the code the bootstrap generated and imported. */
  terraformCode?: { dir: string; files: number; imports: number; pipeline?: string; plan: string; ok: boolean };
  blueprint: string;
  journal: string;
  changesApplied: number;
  rehearsal: boolean;
  /**
   * A rehearsal saves its blueprint in its workspace, which goes when the wizard closes: `s`
   * saves a copy here (relative to the working directory). Unset when there is nothing to keep.
   */
  keepTarget?: string;
}

export interface DoneState {
  summary: Summary;
  cursor: number;
  top: number;
  /** Where `s` kept the blueprint. */
  kept?: string;
  /** The keep target exists and holds another blueprint: the next `s` replaces it. */
  keepExists?: boolean;
  keepError?: string;
}

export type DoneIntent =
  | { kind: 'console' }
  | { kind: 'quit'; code: number }
  | { kind: 'keep-blueprint'; overwrite: boolean };

export type DoneEvent =
  | { kind: 'kept'; path: string }
  | { kind: 'keep-exists'; path: string }
  | { kind: 'keep-failed'; message: string };

type DoneRow = 'console' | 'keep' | 'quit';

function doneRows(state: DoneState): DoneRow[] {
  return state.summary.keepTarget && !state.kept ? ['console', 'keep', 'quit'] : ['console', 'quit'];
}

export function initialDone(summary: Summary): DoneState {
  return { summary, cursor: 0, top: 0 };
}

export function doneEvent(state: DoneState, event: DoneEvent): DoneState {
  switch (event.kind) {
    case 'kept': {
      const kept: DoneState = { ...state, kept: event.path, keepExists: false, keepError: undefined };
      return { ...kept, cursor: Math.min(state.cursor, doneRows(kept).length - 1) };
    }
    case 'keep-exists':
      return { ...state, keepExists: true, keepError: undefined };
    case 'keep-failed':
      return { ...state, keepError: event.message };
  }
}

export function doneKey(state: DoneState, press: KeyPress): KeyOutcome<DoneState, DoneIntent> {
  const rows = doneRows(state);
  const move = listMove(press);
  if (move) return { state: { ...state, cursor: Math.max(0, Math.min(rows.length - 1, state.cursor + move)) } };
  const keep: DoneIntent = { kind: 'keep-blueprint', overwrite: state.keepExists === true };
  if (keyText(press) === 'c') return { state, intent: { kind: 'console' } };
  if (keyText(press) === 'q') return { state, intent: { kind: 'quit', code: 0 } };
  // s as in the editor (save); j and k move.
  if (keyText(press) === 's' && rows.includes('keep')) return { state, intent: keep };
  if (keyName(press) === 'enter') {
    const row = rows[state.cursor];
    return {
      state,
      intent: row === 'console' ? { kind: 'console' } : row === 'keep' ? keep : { kind: 'quit', code: 0 },
    };
  }
  return { state };
}

/** The next step for a blueprint file, the same on the Done screen and in what stays on the terminal. */
export function realRunStep(blueprint: string): string {
  return `awsorg bootstrap --config ${blueprint} --plan, then --yes`;
}

function rehearsalTail(state: DoneState): string {
  const s = state.summary;
  const realRun = (file: string) =>
    `Run it for real: ${realRunStep(file)} (after replacing the example emails and bucket names).`;
  if (state.kept) return `Saved the blueprint as ${state.kept}. ${realRun(state.kept)}`;
  if (!s.keepTarget) return realRun(s.blueprint);
  if (state.keepError) return `The blueprint could not be kept: ${state.keepError}`;
  if (state.keepExists)
    return `${s.keepTarget} already exists and holds another blueprint; nothing was overwritten. Press s again to replace it.`;
  return `The blueprint is in the rehearsal workspace, removed on exit. Press s to save it as ${s.keepTarget}, then: ${realRunStep(s.keepTarget)}.`;
}

export function doneLines(state: DoneState, ctx: RenderContext): string[] {
  const { width, height, palette: p } = ctx;
  const s = state.summary;
  const head = [
    styledLine(
      [
        {
          text: clip(
            s.rehearsal
              ? 'Rehearsal complete: the first day ran end to end against the local emulator.'
              : 'Your organization is bootstrapped.',
            width,
          ),
          style: p.ok,
        },
      ],
      '',
      p,
    ),
    '',
  ];
  const facts = [
    field('Organization', `${s.organizationId ?? '?'}  (root ${s.rootId ?? '?'})`, width, p),
    field('Management', s.managementAccountId ?? '?', width, p),
    ...s.organizationalUnits.map(([path, id], i) => field(i === 0 ? 'OUs' : '', `${id}  ${path}`, width, p)),
    ...s.accounts.map(([name, id], i) => field(i === 0 ? 'Accounts' : '', `${id}  ${name}`, width, p)),
    ...(s.stateBucket
      ? [field('State bucket', `s3://${s.stateBucket}${s.lockTable ? `  lock table ${s.lockTable}` : ''}`, width, p)]
      : []),
    ...(s.state ? [field('State', s.state, width, p)] : []),
    ...(s.terraformCode
      ? [
          field(
            'Terraform',
            `${s.terraformCode.dir}: ${plural(s.terraformCode.files, 'file')}, ${plural(s.terraformCode.imports, 'import')}`,
            width,
            p,
          ),
          ...(s.terraformCode.pipeline ? [field('Pipeline', s.terraformCode.pipeline, width, p)] : []),
          field('Plan', s.terraformCode.plan, width, p, 14, s.terraformCode.ok ? p.ok : p.warning),
        ]
      : []),
    ...(s.deployRole ? [field('Deploy role', s.deployRole, width, p)] : []),
    ...(s.trail ? [field('Trail', s.trail, width, p)] : []),
    field('Blueprint', state.kept ?? s.blueprint, width, p),
    field('Journal', s.journal, width, p),
  ];
  const tail = [
    '',
    ...paragraph(
      s.rehearsal
        ? rehearsalTail(state)
        : `Repeat it headless at any time: awsorg bootstrap --config ${s.blueprint} --plan`,
      width,
      p,
      state.keepError ? p.error : state.keepExists ? p.warning : p.dim,
    ),
    '',
    ...doneRows(state).map((row, i) => menuRow(ROW_TEXT[row](s), state.cursor === i, width, p)),
  ];
  const room = Math.max(1, height - head.length - tail.length);
  // The rehearsal's organization goes with its emulator: no command can show the rest later.
  const more = (n: number) =>
    s.rehearsal ? `  … ${n} more lines (a taller terminal shows them)` : `  … ${n} more lines: see awsorg accounts`;
  const shown =
    facts.length > room
      ? [
          ...facts.slice(0, room - 1),
          styledLine([{ text: clip(more(facts.length - room + 1), width), style: p.dim }], '', p),
        ]
      : facts;
  return [...head, ...shown, ...tail];
}

const ROW_TEXT: Record<DoneRow, (s: Summary) => string> = {
  console: (s) => (s.rehearsal ? 'Open the operator console (over the emulator)' : 'Open the operator console'),
  keep: (s) => `Save the blueprint as ${s.keepTarget}`,
  quit: () => 'Quit',
};

export function doneHints(state?: DoneState): string {
  return state && doneRows(state).includes('keep')
    ? 'Enter choose · c console · s save the blueprint · q quit'
    : 'Enter choose · c console · q quit';
}

export function doneHelp(): string[] {
  return [
    'Done',
    '  Enter on "Open the operator console" (or c) opens `awsorg console` over the new organization',
    '  s       rehearsal only: save the blueprint (in the rehearsal workspace) as awsorg.yaml',
    '  q quits',
  ];
}
