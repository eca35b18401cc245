/** Screen 7, Done: what was created, with ids, and where the blueprint is. Pure. */
import { clip, styledLine } from '../console/style.js';
import { field, menuRow, paragraph } from './layout.js';
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
  blueprint: string;
  journal: string;
  changesApplied: number;
  rehearsal: boolean;
}

export interface DoneState {
  summary: Summary;
  cursor: number;
  top: number;
}

export type DoneIntent = { kind: 'console' } | { kind: 'quit'; code: number };

export function initialDone(summary: Summary): DoneState {
  return { summary, cursor: 0, top: 0 };
}

export function doneKey(state: DoneState, press: KeyPress): KeyOutcome<DoneState, DoneIntent> {
  const move = listMove(press);
  if (move) return { state: { ...state, cursor: move < 0 ? 0 : 1 } };
  if (keyText(press) === 'c') return { state, intent: { kind: 'console' } };
  if (keyText(press) === 'q') return { state, intent: { kind: 'quit', code: 0 } };
  if (keyName(press) === 'enter') return { state, intent: state.cursor === 0 ? { kind: 'console' } : { kind: 'quit', code: 0 } };
  return { state };
}

export function doneLines(state: DoneState, ctx: RenderContext): string[] {
  const { width, height, palette: p } = ctx;
  const s = state.summary;
  const head = [
    styledLine([{ text: clip(s.rehearsal ? 'Rehearsal complete: the first day ran end to end against the local emulator.' : 'Your organization is bootstrapped.', width), style: p.ok }], '', p),
    '',
  ];
  const facts = [
    field('Organization', `${s.organizationId ?? '?'}  (root ${s.rootId ?? '?'})`, width, p),
    field('Management', s.managementAccountId ?? '?', width, p),
    ...s.organizationalUnits.map(([path, id], i) => field(i === 0 ? 'OUs' : '', `${id}  ${path}`, width, p)),
    ...s.accounts.map(([name, id], i) => field(i === 0 ? 'Accounts' : '', `${id}  ${name}`, width, p)),
    ...(s.stateBucket ? [field('State bucket', `s3://${s.stateBucket}${s.lockTable ? `  lock table ${s.lockTable}` : ''}`, width, p)] : []),
    ...(s.state ? [field('State', s.state, width, p)] : []),
    ...(s.deployRole ? [field('Deploy role', s.deployRole, width, p)] : []),
    ...(s.trail ? [field('Trail', s.trail, width, p)] : []),
    field('Blueprint', s.blueprint, width, p),
    field('Journal', s.journal, width, p),
  ];
  const tail = [
    '',
    ...paragraph(s.rehearsal ? `Run it for real with: awsorg bootstrap --config ${s.blueprint} (after replacing the example emails and bucket names).` : `Repeat it headless at any time: awsorg bootstrap --config ${s.blueprint} --plan`, width, p, p.dim),
    '',
    menuRow('Open the operator console', state.cursor === 0, width, p),
    menuRow('Quit', state.cursor === 1, width, p),
  ];
  const room = Math.max(1, height - head.length - tail.length);
  const shown = facts.length > room ? [...facts.slice(0, room - 1), styledLine([{ text: `  … ${facts.length - room + 1} more lines: see awsorg accounts`, style: p.dim }], '', p)] : facts;
  return [...head, ...shown, ...tail];
}

export function doneHints(): string {
  return 'Enter choose · c console · q quit';
}

export function doneHelp(): string[] {
  return ['Done', '  Enter on "Open the operator console" (or c) opens `awsorg console` over the new organization', '  q quits'];
}
