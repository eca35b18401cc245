#!/usr/bin/env node
/**
 * Entry point: argv -> command. This is the one place that maps errors to exit codes and owns
 * how the process ends.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AwsorgError, ExitCode } from './core/errors.js';
import { createDeps, type Deps } from './aws/deps.js';
import { forwardToForeground } from './core/foreground.js';
import { terminalLines, terminalText } from './core/terminal-text.js';
import {
  allFlags,
  type CommandDecl,
  firstPositional,
  helpPointer,
  subcommandOf,
  unknownSubcommand,
} from './commands/declare.js';
import { commandHelp, findDeclaration, topLevelHelp, unknownCommand } from './commands/help.js';
import { LOADERS } from './commands/loaders.js';

export async function main(argv: string[], deps: Deps): Promise<number> {
  const [name, ...rest] = argv;
  // Bare `awsorg` on a terminal, once there is something to show, opens the console.
  if (!name && deps.interactive && deps.stdout.isTTY && configured(deps)) return main(['console'], deps);
  if (name === 'help' && rest.length) return main([...rest, '--help'], deps);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    deps.stdout.write(topLevelHelp());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  if (name === '--version' || name === '-V') return main(['version', ...rest], deps);
  const decl = findDeclaration([name]);
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  if (!decl || !load) {
    const unknown = unknownCommand(terminalText(name));
    deps.stderr.write(`awsorg: ${unknown.message}\n${unknown.nextStep}\n`);
    return ExitCode.usage;
  }
  try {
    // __complete receives the user's command line as arguments; a --help there is a word to complete after.
    const helpAt = name === '__complete' ? -1 : rest.findIndex((a) => a === '--help' || a === '-h');
    if (helpAt >= 0 && !(decl.passthrough && rest.slice(0, helpAt).includes('--'))) {
      // The help of the subcommand named before --help (`state migrate --help`), else of the command.
      const before = rest.slice(0, helpAt);
      const sub = subcommandOf(decl, before);
      // `state migrat --help`: a mistyped subcommand is named (with a guess), not answered with the command's help.
      const word = decl.subcommands && !sub ? firstPositional(before, allFlags(decl))?.value : undefined;
      if (word !== undefined) throw unknownSubcommand(decl, word);
      deps.stdout.write(commandHelp(sub ?? decl));
      return ExitCode.ok;
    }
    const command = await load();
    const opts = command.parse(rest);
    return await command.run(opts, deps);
  } catch (err) {
    return reportError(withHelpPointer(err, subcommandOf(decl, rest) ?? decl), deps);
  }
}

/**
 * A command that refuses its arguments names the usage as the next step; the pointer to the
 * command's own --help comes first, so the flags and examples are one command away.
 */
function withHelpPointer(err: unknown, decl: CommandDecl): unknown {
  if (!(err instanceof AwsorgError) || err.exitCode !== ExitCode.usage || !err.nextStep?.startsWith('Usage:'))
    return err;
  return new AwsorgError(err.message, `${helpPointer(decl)}\n${err.nextStep}`, { exitCode: err.exitCode, cause: err });
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
function handleOutputErrors(): { watch: (stream: NodeJS.WritableStream) => void; failed: () => boolean } {
  let failed = false;
  const watch = (stream: NodeJS.WritableStream) => {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      failed = true;
      if (stream !== process.stderr && !process.stderr.destroyed) {
        process.stderr.write(
          `awsorg: cannot write to ${stream === process.stdout ? 'stdout' : 'the output'}: ${err.code ?? err.message}\n`,
        );
      }
    });
  };
  return { watch, failed: () => failed };
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
  const output = handleOutputErrors();
  const deps = createDeps({ env: process.env, signal: controller.signal, onOutputStream: output.watch });
  const code = await main(process.argv.slice(2), deps);
  process.exitCode = code === ExitCode.ok && output.failed() ? ExitCode.failed : code;
}

void cli();
