#!/usr/bin/env node
/**
 * Entry point: argv -> command. This is the one place that maps errors to exit codes and owns
 * how the process ends.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AwsorgError, ExitCode } from './core/errors.js';
import { createDeps, type Deps } from './core/deps.js';
import { forwardToForeground } from './core/foreground.js';
import { terminalLines, terminalText } from './core/terminal-text.js';
import type { CommandModule } from './commands/command.js';

// Command modules load lazily so that a command never pays for another's dependencies.
const COMMANDS: Record<string, { summary: string; hidden?: boolean; load: () => Promise<CommandModule<unknown>> }> = {
  bootstrap: {
    summary: 'plan and apply the first-day organization setup',
    load: () => import('./commands/bootstrap.js') as Promise<CommandModule<unknown>>,
  },
  whoami: {
    summary: 'show the caller identity and its place in an organization',
    load: () => import('./commands/whoami.js') as Promise<CommandModule<unknown>>,
  },
  state: {
    summary:
      'state migrate: move local Terraform/OpenTofu state into the S3 backend | state handoff: hand a bootstrapped organization to Terraform',
    load: () => import('./commands/state.js') as Promise<CommandModule<unknown>>,
  },
  login: {
    summary: 'sign in: IAM Identity Center device flow (--sso) or an MFA session (--mfa-serial)',
    load: () => import('./commands/login.js') as Promise<CommandModule<unknown>>,
  },
  accounts: {
    summary: "list the organization's accounts (cached inventory)",
    load: () => import('./commands/accounts.js') as Promise<CommandModule<unknown>>,
  },
  alias: {
    summary: 'name accounts: alias set NAME ID | alias list | alias rm NAME',
    load: () => import('./commands/alias.js') as Promise<CommandModule<unknown>>,
  },
  assume: {
    summary: "open a shell (or run a command) with an account's role credentials",
    load: () => import('./commands/assume.js') as Promise<CommandModule<unknown>>,
  },
  'credential-process': {
    summary: 'print credentials for credential_process in ~/.aws/config',
    load: () => import('./commands/credential-process.js') as Promise<CommandModule<unknown>>,
  },
  config: {
    summary: 'config generate | remove: one ~/.aws/config profile per account, or remove them',
    load: () => import('./commands/config.js') as Promise<CommandModule<unknown>>,
  },
  completion: {
    summary: 'print shell completion for bash, zsh or fish',
    load: () => import('./commands/completion.js') as Promise<CommandModule<unknown>>,
  },
  console: {
    summary: 'full-screen console over every account',
    load: () => import('./commands/console.js') as Promise<CommandModule<unknown>>,
  },
  runbook: {
    summary: 'incident runbooks: runbook list | show ID | run ID --incident INC | rollback INC',
    load: () => import('./commands/runbook.js') as Promise<CommandModule<unknown>>,
  },
  blueprint: {
    summary: "blueprint schema: print awsorg.yaml's JSON Schema (for editor checks and completion)",
    load: () => import('./commands/blueprint.js') as Promise<CommandModule<unknown>>,
  },
  audit: {
    summary: 'verify an incident audit transcript: audit verify [FILE]',
    load: () => import('./commands/audit.js') as Promise<CommandModule<unknown>>,
  },
  // Hidden: candidates for the shell completion scripts (reads only cached files, never the network).
  __complete: {
    summary: '',
    hidden: true,
    load: () => import('./commands/complete.js') as Promise<CommandModule<unknown>>,
  },
};

function help(): string {
  const width = Math.max(
    ...Object.entries(COMMANDS)
      .filter(([, c]) => !c.hidden)
      .map(([name]) => name.length),
  );
  return [
    'awsorg: bootstrap and operate an AWS Organization',
    '',
    'Usage: awsorg <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS)
      .filter(([, c]) => !c.hidden)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `awsorg <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

export async function main(argv: string[], deps: Deps): Promise<number> {
  const [name, ...rest] = argv;
  // Bare `awsorg` on a terminal, once there is something to show, opens the console.
  if (!name && deps.interactive && deps.stdout.isTTY && configured(deps)) return main(['console'], deps);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    deps.stdout.write(help());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  if (name === '--version' || name === '-V') {
    deps.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    deps.stderr.write(`awsorg: unknown command "${terminalText(name)}"\n\n${help()}`);
    return ExitCode.usage;
  }
  try {
    const command = await entry.load();
    // __complete receives the user's command line as arguments; a --help there is a word to complete after.
    if (name !== '__complete' && (rest.includes('--help') || rest.includes('-h'))) {
      deps.stdout.write(`Usage: ${command.usage}\n`);
      return ExitCode.ok;
    }
    const opts = command.parse(rest);
    return await command.run(opts, deps);
  } catch (err) {
    return reportError(err, deps);
  }
}

/** Settings exist or an inventory was cached: the operator has used awsorg here before. */
function configured(deps: Deps): boolean {
  return existsSync(join(deps.paths.config, 'config.json')) || existsSync(join(deps.paths.cache, 'inventory'));
}

/**
 * The one place errors reach the terminal. A message can carry an account or OU name, a file's
 * text or AWS's own words, any of which may hold terminal escapes: they are shown visibly here
 * (src/core/terminal-text.ts), and the message's own line breaks are kept.
 */
export function reportError(err: unknown, deps: Deps): number {
  if (err instanceof AwsorgError) {
    deps.stderr.write(`awsorg: ${terminalLines(err.message)}\n`);
    if (err.nextStep) deps.stderr.write(`Next step: ${terminalLines(err.nextStep)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  deps.stderr.write(`awsorg: unexpected error: ${terminalLines(e?.stack ?? String(err))}\n`);
  return ExitCode.failed;
}

/**
 * A reader that stops early (`awsorg accounts | head -1`) closes our stdout while we still write.
 * Node reports that as an EPIPE 'error' event on the stream, and an unhandled one ends the process
 * with a stack trace and exit 1. The reader has taken what it wanted, so a closed stdout (or
 * stderr) is not a failure: the rest of that stream's output is dropped (a destroyed stream
 * ignores later writes) and the command ends with its own exit code. Any other write error ends
 * the run as failed, with one line saying why.
 */
function handleOutputErrors(streams: NodeJS.WriteStream[]): { failed: () => boolean } {
  let failed = false;
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      failed = true;
      if (stream !== process.stderr && !process.stderr.destroyed) {
        process.stderr.write(
          `awsorg: cannot write to ${stream === process.stdout ? 'stdout' : 'the output'}: ${err.code ?? err.message}\n`,
        );
      }
    });
  }
  return { failed: () => failed };
}

async function cli(): Promise<void> {
  // The SDK warns on every run that its 2027 releases will need Node 22. awsorg pins its SDK
  // version in package-lock.json, so the warning says nothing about this install.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // While a subshell or --exec command runs, it owns the terminal and decides what a signal means.
    if (forwardToForeground(signal)) return;
    interrupts++;
    // The first Ctrl-C asks running work to stop at a safe point; a second one exits at once.
    if (interrupts > 1) process.exit(ExitCode.cancelled);
    process.stderr.write(
      `\nawsorg: ${signal} received; stopping at the next safe point (press Ctrl-C again to exit now)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const output = handleOutputErrors([process.stdout, process.stderr]);
  const deps = createDeps({ env: process.env, signal: controller.signal });
  const code = await main(process.argv.slice(2), deps);
  process.exitCode = code === ExitCode.ok && output.failed() ? ExitCode.failed : code;
}

void cli();
