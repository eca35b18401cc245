/**
 * The child process running in the foreground (an `assume` subshell or `--exec` command).
 * While one runs, cli.ts hands signals to it instead of stopping awsorg: the child decides what
 * Ctrl-C means, and awsorg passes its exit status back.
 */
import type { ChildProcess } from 'node:child_process';

let current: { child: ChildProcess; sharesTerminal: boolean } | undefined;

export function setForeground(child: ChildProcess, sharesTerminal: boolean): () => void {
  current = { child, sharesTerminal };
  return () => {
    if (current?.child === child) current = undefined;
  };
}

/** Forward a signal to the foreground child. Returns false when there is none. */
export function forwardToForeground(signal: NodeJS.Signals): boolean {
  if (!current) return false;
  // A terminal already delivers Ctrl-C (SIGINT) and Ctrl-\ to every process in its foreground
  // group, the child included; sending it again would deliver it twice.
  const deliveredByTerminal = current.sharesTerminal && (signal === 'SIGINT' || signal === 'SIGQUIT');
  if (!deliveredByTerminal && current.child.exitCode === null) current.child.kill(signal);
  return true;
}
