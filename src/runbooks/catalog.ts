/**
 * The runbooks an operator can run: the built-in ones, plus a team's own YAML files from
 * `<config>/runbooks/` and `--runbooks DIR`. A team's runbook uses the same operations as the
 * built-ins, is validated before anything runs, and can never replace a built-in id.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, ValidationError } from '../core/errors.js';
import { nearest } from '../core/suggest.js';
import { BUILTIN_RUNBOOKS } from './builtin/index.js';
import { OPERATIONS } from './operations/index.js';
import type { Operation, Runbook } from './types.js';
import { validateRunbook } from './validate.js';

export interface Catalog {
  runbooks: Runbook[];
  operations: Readonly<Record<string, Operation>>;
}

export function loadCatalog(dirs: readonly string[]): Catalog {
  const runbooks: Runbook[] = BUILTIN_RUNBOOKS.map((r) => ({ ...r, source: 'built-in' }));
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    if (!statSync(dir).isDirectory()) throw new UsageError(`runbook directory ${dir} is not a directory`, 'Point --runbooks at a directory of .yaml runbook files.');
    for (const name of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/i.test(name)) continue;
      const file = join(dir, name);
      let data: unknown;
      try {
        data = parseYaml(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new ValidationError(file, [{ path: '(file)', message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}`, fix: 'fix the YAML syntax' }]);
      }
      const runbook = validateRunbook(data, file, OPERATIONS);
      const clash = runbooks.find((r) => r.id === runbook.id);
      if (clash) {
        throw new ValidationError(file, [{ path: 'id', message: `"${runbook.id}" is already defined by ${clash.source}`, fix: 'give the runbook an id of its own' }]);
      }
      runbooks.push({ ...runbook, source: file });
    }
  }
  return { runbooks, operations: OPERATIONS };
}

export function findRunbook(catalog: Catalog, id: string): Runbook {
  const found = catalog.runbooks.find((r) => r.id === id);
  if (found) return found;
  const close = nearest(id, catalog.runbooks.map((r) => r.id));
  throw new UsageError(`no runbook "${id}"${close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(', ')}?` : ''}`, 'List them with `awsorg runbook list`.');
}

/** Whether a runbook can change anything (has an action step). */
export function changesAws(runbook: Runbook): boolean {
  return runbook.steps.some((s) => s.kind === 'action');
}
