/**
 * Where a written blueprint's `# yaml-language-server: $schema=…` line points: the JSON Schema
 * committed at schema/blueprint.schema.json, in the npm package of the installed awsorg version,
 * on unpkg. Pinned to the version, so an editor checks the file against the same schema the
 * installed awsorg validates with. Offline, `awsorg blueprint schema > awsorg.schema.json` and
 * point the line at that file instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_PATH_IN_PACKAGE = 'schema/blueprint.schema.json';

export function blueprintSchemaUrl(version = packageVersion()): string {
  return `https://unpkg.com/awsorg@${version}/${SCHEMA_PATH_IN_PACKAGE}`;
}

/** The first line of every blueprint awsorg writes, without its `#`. */
export function schemaComment(): string {
  return ` yaml-language-server: $schema=${blueprintSchemaUrl()}`;
}

/**
 * awsorg's version, from the nearest package.json named awsorg above this module (the bundle and
 * the unbundled build sit at different depths). Read only when a blueprint is written.
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'awsorg' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'latest';
  }
}
