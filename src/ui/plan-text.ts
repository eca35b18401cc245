/**
 * Plain-text rendering of a bootstrap plan (stdout of `awsorg bootstrap --plan`). Pure. OU and
 * account names come from the blueprint file and from AWS: every line is shown visibly
 * (terminal-text.ts), so a name cannot act on the terminal or add a line to the plan.
 */
import { terminalText } from '../core/terminal-text.js';
import type { StepPlan } from '../steps/engine.js';
import type { Change } from '../steps/types.js';

export function changeMarker(change: Change): string {
  const action = change.calls[0]?.split(':')[1] ?? '';
  if (/^(Detach|Delete|Remove|Disable)/.test(action)) return '-';
  if (/^(Update|Move)/.test(action)) return '~';
  return '+';
}

export function countChanges(plans: StepPlan[]): number {
  return plans.reduce((n, p) => n + p.changes.length, 0);
}

export function renderPlan(plans: StepPlan[], opts: { header: string; showDiffs?: boolean }): string {
  const lines: string[] = [opts.header, ''];
  for (const plan of plans) {
    if (!plan.enabled) {
      lines.push(`○ ${plan.title}: not in the blueprint`);
      continue;
    }
    const n = plan.changes.length;
    lines.push(`${n ? '●' : '✓'} ${plan.title}: ${n ? `${n} change${n === 1 ? '' : 's'}` : 'no changes'}`);
    for (const note of plan.notes) lines.push(`    note: ${note}`);
    for (const change of plan.changes) {
      const where = change.account && change.account !== 'management' ? ` [in ${change.account}]` : '';
      lines.push(`  ${changeMarker(change)} ${change.calls[0]}${where}`);
      lines.push(`      ${change.summary}`);
      if (change.calls.length > 1) lines.push(`      then: ${change.calls.slice(1).join(', ')}`);
      if (change.diff && opts.showDiffs !== false) {
        for (const diffLine of change.diff.split('\n')) lines.push(`      ${diffLine}`);
      }
    }
  }
  const total = countChanges(plans);
  const steps = plans.filter((p) => p.changes.length > 0).length;
  lines.push('');
  lines.push(
    total === 0
      ? 'No changes: the organization matches the blueprint.'
      : `Plan: ${total} change${total === 1 ? '' : 's'} in ${steps} step${steps === 1 ? '' : 's'}.`,
  );
  return lines.map(terminalText).join('\n') + '\n';
}
