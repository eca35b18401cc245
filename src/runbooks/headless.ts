/**
 * The front end for runs without a screen (`--yes`, or `--dry-run` without a terminal): every
 * confirmation is the `--yes` the operator gave, manual steps are acknowledged as such (with
 * `--note` when given), and progress goes to stderr one line per step. Step titles come from
 * runbook files and summaries from AWS: each line is shown visibly (terminal-text.ts), so a
 * newline in a name cannot forge a progress line.
 */
import type { OutputStream } from '../aws/deps.js';
import { callName } from './requests.js';
import type { RunbookHost, RunEvent } from './types.js';
import { terminalText } from '../core/terminal-text.js';

export function headlessHost(
  stderr: OutputStream,
  steps: readonly { title: string; kind: string }[],
  opts: { note?: string; quiet?: boolean },
): RunbookHost {
  const total = steps.length;
  const line = (text: string) => {
    if (!opts.quiet) stderr.write(`${terminalText(text)}\n`);
  };
  return {
    event(e: RunEvent) {
      const step = steps[e.index];
      const n = `[${e.index + 1}/${total}]`;
      if (e.type === 'step-start') line(`${n} ${step?.kind ?? ''} ${step?.title ?? ''}`);
      else if (e.type === 'step-end') {
        line(`${n} ${e.status}: ${e.summary}`);
        for (const item of e.items ?? []) line(`      ${item.ok ? 'PASS' : 'FAIL'}  ${item.name}: ${item.detail}`);
      } else if (e.type === 'poll' && e.attempt > 1)
        line(`${n} waiting (${Math.round(e.elapsedMs / 1000)} s): ${e.summary}`);
      else if (e.type === 'aws') line(`${n} sending ${e.call}`);
    },
    async confirmAction(view) {
      const as = view.where.role === 'signed-in' ? 'your own sign-in' : `role ${view.where.role}`;
      line(
        `[${view.index + 1}/${total}] --yes: confirmed ${view.requests.map(callName).join(', ')} in account ${view.where.account} as ${as} (${view.where.region})`,
      );
      return true;
    },
    async acknowledge(view) {
      line(`[${view.index + 1}/${total}] --yes: acknowledged "${view.step.prompt ?? view.step.title}"`);
      return { text: 'acknowledged with --yes (no terminal)', ...(opts.note ? { note: opts.note } : {}) };
    },
  };
}
