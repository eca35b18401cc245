import { ExitCode } from '../core/errors.js';
import type { Deps } from '../aws/deps.js';
import { parseDeclared, usageText } from './declare.js';
import { whoami as WHOAMI } from './declarations.js';
import { describeCaller } from '../aws/caller.js';
import { breakGlassWarning, principalTypeOf, type PrincipalType } from '../aws/principal.js';
import { baseSignIn, describeBase } from '../aws/base-signin.js';
import { readSettings } from '../core/settings.js';
import { terminalJson, terminalText } from '../core/terminal-text.js';

export const usage = usageText(WHOAMI);

export interface WhoamiOptions {
  json: boolean;
}

export function parse(argv: string[]): WhoamiOptions {
  const { values } = parseDeclared(argv, WHOAMI, WHOAMI.flags);
  return { json: Boolean(values.json) };
}

export type { PrincipalType };
export { breakGlassWarning, principalTypeOf };
export type { OrganizationRole, WhoamiResult } from '../aws/caller.js';
export { describeCaller };

export async function run(opts: WhoamiOptions, deps: Deps): Promise<number> {
  const result = await describeCaller(deps.aws());
  if (opts.json) {
    const base = baseSignIn(deps.env, readSettings(deps.paths));
    deps.stdout.write(
      terminalJson({
        ...result,
        breakGlass: breakGlassWarning(result) !== undefined,
        signIn: { kind: base.kind, description: describeBase(base) },
      }) + '\n',
    );
    return ExitCode.ok;
  }
  const org = result.organization;
  const orgLine =
    org.role === 'management'
      ? `management account of ${org.id} (feature set ${org.featureSet ?? 'unknown'})`
      : org.role === 'member'
        ? `member of ${org.id} (management account ${org.managementAccountId})`
        : org.role === 'none'
          ? 'not in an organization'
          : `unknown: ${org.reason}`;
  const lines = [
    ...(breakGlassWarning(result) ? [`!! ${breakGlassWarning(result)}`, ''] : []),
    `Signed in:    ${describeBase(baseSignIn(deps.env, readSettings(deps.paths)))}`,
    `Account:      ${result.account}`,
    `ARN:          ${result.arn}`,
    `Principal:    ${result.principalType}${result.isRoot ? '  (ROOT USER: full, unrestricted access; use only where AWS requires it)' : ''}`,
    `Organization: ${orgLine}`,
  ];
  // Every value is AWS's or the settings file's (a profile name, an SSO start URL): shown visibly.
  deps.stdout.write(lines.map(terminalText).join('\n') + '\n');
  return ExitCode.ok;
}
