/**
 * A runbook run started by another screen (the console's `!`), not by `awsorg runbook run`: the
 * same catalog, checks and run, without the command line. The caller passes its front end.
 */
import { join } from 'node:path';
import { validateIncidentId } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { findRunbook, loadCatalog, skippedWarnings } from './catalog.js';
import { runRunbook, type RunbookScreen } from './run.js';

export interface RunbookLaunch {
  runbookId: string;
  incident: string;
  /** The runbook's own parameters by name (`account` included), as `--name value` would give them. */
  params: Record<string, string>;
}

/** Runs a runbook from the operator's catalog (their config directory's runbooks and the built-in ones). */
export async function launchRunbook(deps: Deps, launch: RunbookLaunch, screen?: RunbookScreen): Promise<number> {
  const catalog = loadCatalog([join(deps.paths.config, 'runbooks')]);
  deps.stderr.write(skippedWarnings(catalog, launch.runbookId));
  const runbook = findRunbook(catalog, launch.runbookId);
  const incident = validateIncidentId(launch.incident);
  return runRunbook(deps, {
    runbook,
    incident,
    params: launch.params,
    dryRun: false,
    yes: false,
    json: false,
    operations: catalog.operations,
    ...(screen ? { screen } : {}),
  });
}
