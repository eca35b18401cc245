/**
 * Screen 6, State migration: find terraform and tofu, pick the bootstrap's working directory,
 * run `init -migrate-state` into the new bucket with its output on screen, and show the check
 * that the bucket now holds the same lineage and serial as the local state did. With
 * `terraform.handoff: true` it also shows the code the apply generated, the imports, and
 * `plan` finding no changes before the move (the pure-import check) and after it. Pure.
 */
import { clip, styledLine, wrap } from '../console/style.js';
import { field, paragraph, plural } from './layout.js';
import { editText, shownText, textField, type TextField } from './text-input.js';
import { keyName, keyText, type KeyOutcome, type KeyPress, type Notice, type RenderContext } from './types.js';

export interface ToolInfo {
  name: 'terraform' | 'tofu';
  path: string;
  version?: string;
}

export type LocalStateFinding =
  | { kind: 'missing-dir' }
  | { kind: 'no-local-state' }
  | { kind: 'local'; lineage: string; serial: number; resources: number }
  | { kind: 'already-migrated'; lineage: string; serial: number }
  /** The state is in the bucket, but backend.tf says otherwise than the blueprint (lock mode, role). */
  | { kind: 'reconfigure'; lineage: string; serial: number; changes: string[] }
  | { kind: 'refused'; reason: string; next?: string };

/** What the hand-off step (run in the apply) wrote and imported, for this screen and Done. */
export interface HandoffInfo {
  /** terraform.dir as the blueprint writes it. */
  dir: string;
  tool: string;
  /** Generated files, relative to the directory, with what this run did to each. */
  files: Array<{ name: string; action: 'created' | 'updated' | 'unchanged' | 'removed' }>;
  /** The CI pipeline, relative to the repository root. */
  pipeline?: { path: string; action: string };
  /** Resources imported by this run (the rest were in the state already). */
  imports: number;
  /** Addresses forgotten by removed {} blocks. */
  forgotten: number;
  /** The hand-off's `plan` was checked to be pure imports and applied: nothing else to do before the move. */
  checked: boolean;
}

/** `plan -detailed-exitcode` after the move (the handoff-verify step). */
export interface HandoffCheck {
  ok: boolean;
  text: string;
  next?: string;
}

export interface MigrationInfo {
  /** The directory as the blueprint writes it, and resolved. */
  dir: string;
  absolute: string;
  /** Rehearsal: `absolute` is the rehearsal workspace's copy (or sample), not the operator's directory. */
  inWorkspace?: boolean;
  tools: ToolInfo[];
  /** The tool the migration will use (blueprint `terraform.tool`, or the first found). */
  chosen?: ToolInfo['name'];
  finding: LocalStateFinding;
  target: string;
  /** Rehearsal only: a sample directory with local state can be made, to practise the move. */
  canCreateSample: boolean;
  /** With terraform.handoff: what the apply generated and imported. */
  handoff?: HandoffInfo;
}

export interface Verification {
  local: { lineage: string; serial: number };
  remote: { lineage: string; serial: number };
  backup?: string;
}

export interface MigrateState {
  status: 'inspecting' | 'ready' | 'running' | 'done' | 'failed';
  info?: MigrationInfo;
  dir: TextField;
  editing: boolean;
  output: string[];
  verification?: Verification;
  /** The hand-off's plan after the move. */
  afterMove?: HandoffCheck;
  error?: Notice;
}

export type MigrateIntent =
  | { kind: 'inspect'; dir: string }
  | { kind: 'migrate'; dir: string }
  | { kind: 'create-sample'; dir: string }
  | { kind: 'continue'; skipped: boolean };

export type MigrateEvent =
  | { kind: 'inspected'; info: MigrationInfo }
  | { kind: 'output'; line: string }
  | { kind: 'migrated'; verification?: Verification; afterMove?: HandoffCheck }
  | { kind: 'failed'; error: Notice };

export function initialMigrate(dir: string): MigrateState {
  return { status: 'inspecting', dir: textField(dir), editing: false, output: [] };
}

export function migrateEvent(state: MigrateState, event: MigrateEvent): MigrateState {
  switch (event.kind) {
    case 'inspected':
      return { ...state, status: 'ready', info: event.info, error: undefined };
    case 'output':
      return { ...state, output: [...state.output, ...event.line.split('\n').filter((l) => l.trim())].slice(-200) };
    case 'migrated': {
      // A reconfigured backend leaves the state where it was: the finding becomes "already there".
      const f = state.info?.finding;
      const info =
        state.info && f?.kind === 'reconfigure'
          ? { ...state.info, finding: { kind: 'already-migrated' as const, lineage: f.lineage, serial: f.serial } }
          : state.info;
      return {
        ...state,
        status: 'done',
        ...(info ? { info } : {}),
        ...(event.verification ? { verification: event.verification } : {}),
        ...(event.afterMove ? { afterMove: event.afterMove } : {}),
      };
    }
    case 'failed':
      return { ...state, status: 'failed', error: event.error };
  }
}

function migratable(state: MigrateState): boolean {
  const kind = state.info?.finding.kind;
  return (kind === 'local' || kind === 'reconfigure') && state.info!.tools.length > 0;
}

export function migrateKey(state: MigrateState, press: KeyPress): KeyOutcome<MigrateState, MigrateIntent> {
  const name = keyName(press);
  const text = keyText(press);
  if (state.editing) {
    if (name === 'escape') return { state: { ...state, editing: false } };
    if (name === 'enter')
      return {
        state: { ...state, editing: false, status: 'inspecting', output: [] },
        intent: { kind: 'inspect', dir: state.dir.value.trim() || '.' },
      };
    const edited = editText(state.dir, press);
    return { state: edited ? { ...state, dir: edited } : state };
  }
  if (state.status === 'running' || state.status === 'inspecting') return { state };
  if (state.status === 'done')
    return name === 'enter' ? { state, intent: { kind: 'continue', skipped: false } } : { state };
  if (text === 'd') return { state: { ...state, editing: true } };
  if (text === 's') return { state, intent: { kind: 'continue', skipped: true } };
  if (text === 'n' && state.info?.canCreateSample)
    return {
      state: { ...state, status: 'inspecting' },
      intent: { kind: 'create-sample', dir: state.dir.value.trim() },
    };
  if (name === 'enter') {
    if (migratable(state))
      return {
        state: { ...state, status: 'running', output: [], error: undefined },
        intent: { kind: 'migrate', dir: state.dir.value.trim() },
      };
    if (state.info?.finding.kind === 'already-migrated') return { state, intent: { kind: 'continue', skipped: false } };
    if (state.status === 'failed')
      return {
        state: { ...state, status: 'inspecting', error: undefined },
        intent: { kind: 'inspect', dir: state.dir.value.trim() },
      };
  }
  return { state };
}

function findingLines(info: MigrationInfo, ctx: RenderContext): string[] {
  const { width, palette: p } = ctx;
  const f = info.finding;
  switch (f.kind) {
    case 'missing-dir':
      return paragraph(
        `There is no directory ${info.dir}: no bootstrap state to move.${info.canCreateSample ? ' Press n to make a sample directory with local state and practise the move.' : ' Press d to name the directory that holds your bootstrap Terraform, or s to skip.'}`,
        width,
        p,
        p.warning,
        2,
      );
    case 'no-local-state':
      return paragraph(
        `${info.dir} has no local terraform.tfstate: nothing to move.${info.canCreateSample ? ' Press n to write a sample configuration there and apply it locally first.' : ' Press s to skip, or d to choose another directory.'}`,
        width,
        p,
        p.warning,
        2,
      );
    case 'local':
      return [
        field(
          'Local state',
          `lineage ${f.lineage}, serial ${f.serial}, ${f.resources} resource${f.resources === 1 ? '' : 's'}`,
          width,
          p,
        ),
      ];
    case 'already-migrated':
      return [
        field('State', `already in ${info.target} (lineage ${f.lineage}, serial ${f.serial})`, width, p, 14, p.ok),
      ];
    case 'reconfigure':
      return [
        field('State', `already in ${info.target} (lineage ${f.lineage}, serial ${f.serial})`, width, p, 14, p.ok),
        field('backend.tf', `differs from the blueprint: ${f.changes.join(', ')}`, width, p, 14, p.warning),
        '',
        ...paragraph(
          `Press Enter to rewrite backend.tf and run \`init -reconfigure\`; the state object is not touched.`,
          width,
          p,
          '',
          2,
        ),
      ];
    case 'refused':
      return [
        ...paragraph(`Refused: ${f.reason}`, width, p, p.error, 2),
        ...(f.next ? paragraph(`Next: ${f.next}`, width, p, '', 2) : []),
      ];
  }
}

/** A field whose value wraps onto further lines under the value column (file lists). */
function wrappedField(label: string, value: string, width: number, ctx: RenderContext, style = ''): string[] {
  const p = ctx.palette;
  const rows = wrap(value, Math.max(10, width - 16));
  return rows.map((row, i) => field(i === 0 ? label : '', row, width, p, 14, style));
}

const ACTION_LABEL: Record<HandoffInfo['files'][number]['action'], string> = {
  created: 'Written',
  updated: 'Updated',
  unchanged: 'Unchanged',
  removed: 'Removed',
};

/** Top-level files by name; a subdirectory's files as one entry (`policies/ (6 files)`), so the list stays short. */
function compactNames(names: string[]): string[] {
  const out: string[] = [];
  const dirs = new Map<string, number>();
  for (const name of names) {
    const slash = name.indexOf('/');
    if (slash < 0) out.push(name);
    else dirs.set(name.slice(0, slash + 1), (dirs.get(name.slice(0, slash + 1)) ?? 0) + 1);
  }
  for (const [dir, n] of dirs) out.push(`${dir} (${plural(n, 'file')})`);
  return out;
}

/** The code the apply generated, what it imported, and the plan check before the move. */
function handoffLines(h: HandoffInfo, ctx: RenderContext): string[] {
  const { width, palette: p } = ctx;
  const lines = ['', styledLine([{ text: `Terraform code in ${h.dir} (terraform.handoff)`, style: p.bold }], '', p)];
  for (const action of ['created', 'updated', 'unchanged', 'removed'] as const) {
    const names = compactNames(h.files.filter((f) => f.action === action).map((f) => f.name));
    if (names.length) lines.push(...wrappedField(ACTION_LABEL[action], names.join(', '), width, ctx));
  }
  if (h.pipeline) lines.push(field('Pipeline', `${h.pipeline.path} (${h.pipeline.action})`, width, p));
  const forgot = h.forgotten ? `; ${h.forgotten} forgotten (removed {})` : '';
  lines.push(
    field(
      'Imports',
      h.imports
        ? `${plural(h.imports, 'resource')} imported into the local state${forgot}`
        : `none needed: the state holds every resource${forgot}`,
      width,
      p,
    ),
  );
  lines.push(
    h.checked
      ? field(
          'Before move',
          `${h.tool} plan: no changes ✓  (${h.imports ? 'imports only, applied' : 'the code matches AWS'})`,
          width,
          p,
          14,
          p.ok,
        )
      : field('Before move', `${h.tool} plan: not checked (the hand-off did not finish)`, width, p, 14, p.warning),
  );
  return lines;
}

function afterMoveLines(state: MigrateState, ctx: RenderContext): string[] {
  const { width, palette: p } = ctx;
  const h = state.info?.handoff;
  if (!h) return [];
  const a = state.afterMove;
  if (!a)
    return state.status === 'done'
      ? []
      : [field('After move', `${h.tool} plan runs once the state is in the bucket`, width, p, 14, p.dim)];
  if (a.ok) return [field('After move', `${h.tool} plan: no changes ✓  (against the bucket)`, width, p, 14, p.ok)];
  return [
    field('After move', `✗ ${h.tool} plan finds changes or fails`, width, p, 14, p.error),
    ...paragraph(a.text, width, p, p.error, 2),
    ...(a.next ? paragraph(`Next: ${a.next}`, width, p, '', 2) : []),
  ];
}

export function migrateLines(state: MigrateState, ctx: RenderContext): string[] {
  const { width, height, palette: p } = ctx;
  const lines = [
    styledLine([{ text: 'Move the bootstrap Terraform state into the state bucket', style: p.bold }], '', p),
    '',
  ];
  const info = state.info;
  const tools = info
    ? info.tools.length
      ? info.tools.map((t) => `${t.name}${t.version ? ` ${t.version}` : ''} (${t.path})`).join(', ')
      : 'neither terraform nor tofu is on PATH'
    : 'looking…';
  lines.push(field('Tools', tools, width, p, 14, info && !info.tools.length ? p.error : ''));
  if (info?.chosen) lines.push(field('Using', info.chosen, width, p));
  lines.push(
    state.editing
      ? styledLine(
          [
            { text: '  Directory     ', style: p.dim },
            { text: clip(shownText(state.dir, true), width - 16), style: p.inverse },
          ],
          '',
          p,
        )
      : field(
          'Directory',
          info
            ? `${info.dir}  (${info.inWorkspace ? `in the rehearsal workspace: ${info.absolute}` : info.absolute})`
            : state.dir.value,
          width,
          p,
        ),
  );
  if (info) lines.push(field('Into', info.target, width, p));
  lines.push('');
  const v = state.verification;
  // With the hand-off the screen is full: the verified move takes the finding's line, in one line.
  const compact = Boolean(info?.handoff && v);
  if (state.status === 'inspecting') lines.push('  Reading the directory and the bucket…');
  else if (info && v && compact) {
    const ok = v.local.lineage === v.remote.lineage && v.remote.serial >= v.local.serial;
    const text = ok
      ? `local state → bucket ✓  same lineage, serial ${v.local.serial} → ${v.remote.serial}`
      : `✗ the bucket holds lineage ${v.remote.lineage} serial ${v.remote.serial}, not local ${v.local.lineage} serial ${v.local.serial}`;
    lines.push(field('Moved', text, width, p, 14, ok ? p.ok : p.error));
  } else if (info) lines.push(...findingLines(info, ctx));
  if (info?.handoff) lines.push(...handoffLines(info.handoff, ctx));
  // What comes after the output is what the operator must see: the output gives up its lines first.
  const tail: string[] = [];
  if (v && !compact) {
    const same = v.local.lineage === v.remote.lineage;
    const serialOk = v.remote.serial >= v.local.serial;
    tail.push('', styledLine([{ text: 'Verified', style: same && serialOk ? p.ok : p.error }], '', p));
    tail.push(
      field(
        'Lineage',
        same ? `local = bucket ✓  ${v.local.lineage}` : `✗ local ${v.local.lineage} ≠ bucket ${v.remote.lineage}`,
        width,
        p,
      ),
    );
    tail.push(
      field(
        'Serial',
        `local ${v.local.serial} → bucket ${v.remote.serial} ${serialOk ? '✓' : '✗ (older than the local state)'}`,
        width,
        p,
      ),
    );
    if (v.backup) tail.push(field('Backup', v.backup, width, p));
  }
  const after = afterMoveLines(state, ctx);
  // Before the move the line stays with the hand-off section above it.
  if (after.length) tail.push(...after);
  if (state.status === 'failed' && state.error) {
    tail.push('', ...paragraph(state.error.text, width, p, p.error));
    if (state.error.next) tail.push(...paragraph(`Next: ${state.error.next}`, width, p));
  }
  // Once the move is verified, its output is the first thing to give up its lines.
  const outputRoom = Math.max(state.status === 'done' ? 0 : 3, height - lines.length - 2 - Math.max(4, tail.length));
  if (state.output.length && outputRoom > 0) {
    lines.push(
      '',
      styledLine([{ text: state.status === 'running' ? 'Output (running)…' : 'Output', style: p.bold }], '', p),
    );
    const room = outputRoom;
    for (const line of state.output.slice(-room))
      lines.push(styledLine([{ text: clip(`  ${line}`, width), style: p.dim }], '', p));
    if (tail.length && tail[0] !== '') lines.push('');
  }
  lines.push(...tail);
  return lines.length > height ? lines.slice(0, height) : lines;
}

export function migrateHints(state: MigrateState): string {
  if (state.editing) return 'type the directory · Enter look at it · Esc cancel';
  if (state.status === 'done') return 'Enter finish';
  if (state.status === 'running' || state.status === 'inspecting') return 'working…';
  const parts = [];
  if (state.info?.finding.kind === 'local' && state.info.tools.length) parts.push('Enter migrate');
  if (state.info?.finding.kind === 'reconfigure' && state.info.tools.length) parts.push('Enter reconfigure');
  if (state.info?.finding.kind === 'already-migrated') parts.push('Enter finish');
  if (state.status === 'failed') parts.push('Enter try again');
  if (state.info?.canCreateSample) parts.push('n sample directory');
  parts.push('d directory', 's skip', '? help');
  return parts.join(' · ');
}

export function migrateHelp(): string[] {
  return [
    'State migration',
    '  Enter   run `init -migrate-state` in the directory (terraform or tofu, as the blueprint says);',
    '          when the state is already there but backend.tf differs (lock mode, role), rewrite',
    '          backend.tf and run `init -reconfigure`',
    '  d       choose another directory (saved into the blueprint as terraform.dir)',
    '  s       skip; `awsorg state migrate --config awsorg.yaml` does it later',
    '  n       rehearsal only: make a sample directory with local state, to practise the move',
    '',
    'The local terraform.tfstate is kept as terraform.tfstate.awsorg-backup-SERIAL. After the',
    'move awsorg reads the object back from the bucket and compares lineage and serial.',
    '',
    'With terraform.handoff: true the apply wrote Terraform code for the organization into the',
    'directory and imported every resource (its plan had to be imports only). After the move',
    'awsorg runs plan again against the bucket: it must find no changes.',
  ];
}
