/**
 * `runbook list` and `runbook show`: text for people, plain data for `--json`. Pure. Titles and
 * sentences from a team's runbook file are shown visibly (terminal-text.ts): one line each,
 * whatever they hold.
 */
import { changesAws } from './catalog.js';
import type { Operation, ParamKind, Runbook } from './types.js';
import { terminalText as shown } from '../core/terminal-text.js';

export function listText(runbooks: readonly Runbook[]): string {
  const width = Math.max(...runbooks.map((r) => r.id.length), 2);
  const rows = runbooks.map(
    (r) =>
      `${r.id.padEnd(width)}  ${changesAws(r) ? 'changes AWS' : 'read-only  '}  ${shown(r.title)}${r.source && r.source !== 'built-in' ? `  (${shown(r.source)})` : ''}`,
  );
  return [
    `${'ID'.padEnd(width)}  ${'EFFECT'.padEnd(11)}  TITLE`,
    ...rows,
    '',
    'Show one with `awsorg runbook show ID`.',
    '',
  ].join('\n');
}

export function listJson(runbooks: readonly Runbook[]): unknown {
  return runbooks.map((r) => ({ id: r.id, title: r.title, changesAws: changesAws(r), source: r.source ?? 'built-in' }));
}

function stepCalls(op: Operation | undefined): { calls: string[]; reads: string[]; rollback?: string } {
  if (!op) return { calls: [], reads: [] };
  if (op.kind === 'action') return { calls: op.call.split(/,\s*/), reads: op.reads, rollback: op.rollbackCall };
  return { calls: [], reads: op.reads };
}

const NOUN: Partial<Record<ParamKind, string>> = {
  account: 'the account',
  'role-name': 'the role',
  'user-name': 'the user',
  bucket: 'the bucket',
  'access-key-id': 'the access key',
};

/**
 * A step's `{{name}}` in words, for `runbook show`: nothing is resolved before a run (the
 * management account comes from AWS, the rest from the flags), so each says where its value
 * will come from. `--json` keeps the templates exactly as written.
 */
export function describeTemplates(text: string, runbook: Runbook): string {
  return text.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (_m, name: string) => {
    if (name === 'management') return '<the management account>';
    if (name === 'incident') return '<the incident id given with --incident>';
    if (name === 'operator') return '<your sign-in>';
    const spec = runbook.params.find((p) => p.name === name);
    if (!spec) return `<the ${name} an earlier step finds>`;
    return `<${NOUN[spec.kind] ?? 'the value'} given with --${name}${spec.default !== undefined ? `, default ${spec.default}` : ''}>`;
  });
}

export function showJson(runbook: Runbook, operations: Readonly<Record<string, Operation>>): unknown {
  return {
    ...runbook,
    source: runbook.source ?? 'built-in',
    steps: runbook.steps.map((s) => ({ ...s, ...stepCalls(s.operation ? operations[s.operation] : undefined) })),
  };
}

export function showText(runbook: Runbook, operations: Readonly<Record<string, Operation>>): string {
  const out: string[] = [];
  out.push(
    `${runbook.id}: ${shown(runbook.title)}${changesAws(runbook) ? '' : ' (read-only)'}`,
    '',
    runbook.description,
    '',
  );
  out.push('When to use:', ...runbook.whenToUse.map((l) => `  - ${l}`), '');
  out.push('When NOT to use:', ...runbook.whenNotToUse.map((l) => `  - ${l}`), '');
  out.push('Parameters:');
  if (!runbook.params.length) out.push('  (none)');
  for (const p of runbook.params) {
    const flag = `--${p.name} ${p.kind.toUpperCase()}`;
    const note = p.required ? 'required' : p.default !== undefined ? `default ${p.default}` : 'optional';
    out.push(`  ${flag.padEnd(30)} (${note}) ${shown(p.description)}`);
  }
  out.push('', 'Steps:');
  runbook.steps.forEach((s, i) => {
    const info = stepCalls(s.operation ? operations[s.operation] : undefined);
    out.push(`  ${i + 1}. [${s.kind}] ${shown(s.title)}`, `     ${shown(s.does)}`);
    if (s.runsAs) {
      const [account, role, region] = [s.runsAs.account, s.runsAs.role, s.runsAs.region].map((t) =>
        shown(describeTemplates(t, runbook)),
      );
      out.push(`     runs in ${account} as ${role === 'signed-in' ? 'your own sign-in' : role} in ${region}`);
    }
    if (info.reads.length) out.push(`     reads: ${info.reads.join(', ')}`);
    if (info.calls.length) out.push(`     calls: ${info.calls.join(', ')}`);
    if (info.rollback) out.push(`     rollback: ${info.rollback}`);
    if (s.kind === 'manual') out.push(`     asks: ${shown(s.prompt ?? s.title)}`);
    if (s.kind === 'verify') out.push(`     polls for up to ${s.timeoutSeconds ?? 60} s`);
  });
  if (runbook.followUps?.length)
    out.push('', 'Afterwards:', ...runbook.followUps.map((l) => `  - ${shown(describeTemplates(l, runbook))}`));
  const required = runbook.params
    .filter((p) => p.required && p.kind !== 'mfa-code')
    .map((p) => ` --${p.name} ${p.kind.toUpperCase()}`)
    .join('');
  out.push(
    '',
    `Run: awsorg runbook run ${runbook.id} --incident INC${required} [--dry-run] [--yes]`,
    `Source: ${runbook.source ?? 'built-in'}`,
    '',
  );
  return out.join('\n');
}
