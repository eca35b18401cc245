/**
 * `awsorg blueprint schema`: prints the blueprint's JSON Schema (the same text as the committed
 * schema/blueprint.schema.json), for editors that cannot reach the versioned URL a written
 * blueprint's first line names. zod loads only here, never on the `assume` path.
 */
import type { Deps } from '../aws/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { helpPointer, parseDeclared, usageText } from './declare.js';
import { blueprint as BLUEPRINT } from './declarations.js';

export const usage = usageText(BLUEPRINT);

export interface BlueprintOptions {
  subcommand: 'schema';
}

export function parse(argv: string[]): BlueprintOptions {
  const { positionals } = parseDeclared(argv, BLUEPRINT, BLUEPRINT.subcommands.schema.flags);
  const [subcommand, extra] = positionals;
  if (subcommand !== 'schema') throw new UsageError('blueprint needs a subcommand', `${helpPointer(BLUEPRINT)}`);
  if (extra !== undefined)
    throw new UsageError(`unexpected argument "${extra}"`, `Usage: ${usageText(BLUEPRINT.subcommands.schema)}`);
  return { subcommand };
}

export async function run(_opts: BlueprintOptions, deps: Deps): Promise<number> {
  const { blueprintJsonSchemaText } = await import('../core/blueprint-schema.js');
  deps.stdout.write(blueprintJsonSchemaText());
  return ExitCode.ok;
}
