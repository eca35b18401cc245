/**
 * `awsorg blueprint schema`: prints the blueprint's JSON Schema (the same text as the committed
 * schema/blueprint.schema.json), for editors that cannot reach the versioned URL a written
 * blueprint's first line names. zod loads only here, never on the `assume` path.
 */
import type { Deps } from '../core/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

export const usage = `awsorg blueprint schema

Prints the JSON Schema of awsorg.yaml. Editors with the YAML language server (VS Code's YAML
extension) use it to check and complete the file. Every blueprint awsorg writes starts with
  # yaml-language-server: $schema=https://unpkg.com/awsorg@<version>/schema/blueprint.schema.json
Offline, save it next to the blueprint and point that line at the file:
  awsorg blueprint schema > awsorg.schema.json
  # yaml-language-server: $schema=./awsorg.schema.json`;

const SUBCOMMANDS = ['schema'] as const;

export interface BlueprintOptions {
  subcommand: 'schema';
}

export function parse(argv: string[]): BlueprintOptions {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'schema') {
    const guess = subcommand === undefined ? undefined : closest(subcommand, SUBCOMMANDS);
    throw new UsageError(
      subcommand === undefined ? 'blueprint needs a subcommand.' : `Unknown blueprint subcommand '${subcommand}'.`,
      guess ? `Did you mean: awsorg blueprint ${guess}?` : 'Run: awsorg blueprint schema',
    );
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument '${rest[0]}'.`, 'Run: awsorg blueprint schema');
  return { subcommand };
}

export async function run(_opts: BlueprintOptions, deps: Deps): Promise<number> {
  const { blueprintJsonSchemaText } = await import('../core/blueprint-schema.js');
  deps.stdout.write(blueprintJsonSchemaText());
  return ExitCode.ok;
}
