/**
 * Apply progress for `awsorg bootstrap`: listr2 on a terminal, plain timestamp-free lines
 * otherwise. Both are driven by the engine's listener events and the AWS retry events. Change
 * summaries name OUs and accounts, and errors carry AWS's words: each line is shown visibly
 * (terminal-text.ts).
 */
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { AwsEvent } from '../aws/session.js';
import type { OutputStream } from '../aws/deps.js';
import type { BootstrapEngine, EngineListener } from '../steps/engine.js';
import type { Step } from '../steps/types.js';
import { terminalText } from '../core/terminal-text.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function retryLine(event: Extract<AwsEvent, { type: 'retry' }>): string {
  const why =
    event.kind === 'throttled'
      ? 'throttled'
      : event.kind === 'unreachable'
        ? 'endpoint unreachable'
        : 'outcome unknown';
  return `retry ${event.service}:${event.action} (${event.code}, ${why}) attempt ${event.attempt + 1} in ${event.delayMs} ms`;
}

/** Plain lines on `out` (stderr), one per event; used without a TTY and in CI logs. */
export function plainListener(
  stream: OutputStream,
): EngineListener & { retry(event: Extract<AwsEvent, { type: 'retry' }>): void } {
  const out = { write: (text: string) => stream.write(`${terminalText(text.replace(/\n$/, ''))}\n`) };
  return {
    stepPlanned(step, plan) {
      out.write(`[${step.id}] ${plan.changes.length ? `${plan.changes.length} change(s)` : 'up to date'}\n`);
      for (const note of plan.notes) out.write(`[${step.id}] note: ${note}\n`);
    },
    changeStarted(step, change) {
      out.write(`[${step.id}] ${change.calls[0]}: ${change.summary}\n`);
    },
    changeNote(step, _change, message) {
      out.write(`[${step.id}]   ${message}\n`);
    },
    changeDone(step, change, elapsed) {
      out.write(`[${step.id}]   done ${change.key} (${seconds(elapsed)})\n`);
    },
    changeFailed(step, change, error) {
      out.write(`[${step.id}]   FAILED ${change.key}: ${error instanceof Error ? error.message : String(error)}\n`);
    },
    stepDone(step: Step, elapsed) {
      out.write(`[${step.id}] ok (${seconds(elapsed)})\n`);
    },
    retry(event) {
      out.write(`  ${retryLine(event)}\n`);
    },
  };
}

/** listr2 task list, one task per step, with the current change and retries as task output. */
export async function runWithListr(
  engine: BootstrapEngine,
  subscribeRetries: (fn: (e: Extract<AwsEvent, { type: 'retry' }>) => void) => () => void,
  stderr: NodeJS.WriteStream,
): Promise<void> {
  await engine.begin();
  const tasks = new Listr(
    engine.enabledSteps().map((step) => ({
      title: terminalText(step.title),
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const started = Date.now();
        const unsubscribe = subscribeRetries((e) => (task.output = retryLine(e)));
        try {
          await engine.applyStep(step, {
            stepPlanned: (_s, plan) =>
              (task.title = `${terminalText(step.title)} (${plan.changes.length ? `${plan.changes.length} changes` : 'up to date'})`),
            changeStarted: (_s, change) => (task.output = terminalText(`${change.calls[0]}: ${change.summary}`)),
            changeNote: (_s, _c, message) => (task.output = terminalText(message)),
          });
        } finally {
          unsubscribe();
        }
        task.title = `${task.title} ${seconds(Date.now() - started)}`;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // awsorg handles Ctrl-C itself (it stops at a safe point and keeps the journal).
      registerSignalListeners: false,
      // Progress is status, not data: keep it off stdout.
      rendererOptions: {
        collapseSubtasks: false,
        logger: new ListrLogger({ processOutput: new ProcessOutput(stderr, stderr) }),
      },
    },
  );
  await tasks.run();
}
