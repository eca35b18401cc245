/**
 * Each command's implementation, loaded lazily so that a command never pays for another's
 * dependencies. What a command is (its summary, flags and help) is in declarations.ts; a unit
 * test checks that the two list the same commands.
 */
import type { CommandModule } from './command.js';

type Loader = () => Promise<CommandModule<unknown>>;

export const LOADERS: Readonly<Record<string, Loader>> = {
  bootstrap: () => import('./bootstrap.js') as Promise<CommandModule<unknown>>,
  whoami: () => import('./whoami.js') as Promise<CommandModule<unknown>>,
  state: () => import('./state.js') as Promise<CommandModule<unknown>>,
  login: () => import('./login.js') as Promise<CommandModule<unknown>>,
  accounts: () => import('./accounts.js') as Promise<CommandModule<unknown>>,
  alias: () => import('./alias.js') as Promise<CommandModule<unknown>>,
  assume: () => import('./assume.js') as Promise<CommandModule<unknown>>,
  'credential-process': () => import('./credential-process.js') as Promise<CommandModule<unknown>>,
  config: () => import('./config.js') as Promise<CommandModule<unknown>>,
  completion: () => import('./completion.js') as Promise<CommandModule<unknown>>,
  console: () => import('./console.js') as Promise<CommandModule<unknown>>,
  runbook: () => import('./runbook.js') as Promise<CommandModule<unknown>>,
  blueprint: () => import('./blueprint.js') as Promise<CommandModule<unknown>>,
  audit: () => import('./audit.js') as Promise<CommandModule<unknown>>,
  version: () => import('./version.js') as Promise<CommandModule<unknown>>,
  // Candidates for the shell completion scripts (reads only cached files, never the network).
  __complete: () => import('./complete.js') as Promise<CommandModule<unknown>>,
};
