/**
 * `awsorg credential-process TARGET`: the command behind the `credential_process` lines that
 * `awsorg config generate` writes. The AWS CLI and SDKs run it without a terminal and read one
 * JSON document from stdout, so it never prompts, and stdout carries that document and nothing
 * else; every message goes to stderr.
 */
import { readAwsConfig, profileSettings } from '../aws/aws-config-file.js';
import { baseSignIn, type BaseSignIn } from '../aws/base-signin.js';
import { loadOperatorContext, openRoleSession, type OperatorContext } from '../assume/context.js';
import { createDeps, type Deps } from '../aws/deps.js';
import { AwsorgError, CredentialsError, ExitCode, UsageError } from '../core/errors.js';
import { checkCacheDirsSync } from '../core/cache-dirs.js';
import { readSettings } from '../core/settings.js';
import { readInventory } from '../inventory/cache.js';
import { resolveTarget } from '../inventory/resolve.js';
import type { InventoryAccount } from '../inventory/types.js';
import { parseDeclared, usageText } from './declare.js';
import { credentialProcess as CREDENTIAL_PROCESS } from './declarations.js';
import { parseDuration, parseRegion } from './operator-args.js';

const synopsis = usageText(CREDENTIAL_PROCESS);

export const usage = synopsis;

export interface CredentialProcessOptions {
  target: string;
  role?: string;
  durationSeconds?: number;
  region?: string;
}

export function parse(argv: string[]): CredentialProcessOptions {
  const { values, positionals } = parseDeclared(argv, CREDENTIAL_PROCESS, CREDENTIAL_PROCESS.flags);
  const [target, ...extra] = positionals;
  if (!target)
    throw new UsageError(
      'credential-process needs a TARGET: an alias, an account id or an account name',
      `Usage: ${synopsis}`,
    );
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, `Usage: ${synopsis}`);
  return {
    target,
    ...(values.role !== undefined ? { role: values.role } : {}),
    ...(values.duration !== undefined ? { durationSeconds: parseDuration(values.duration) } : {}),
    ...(values.region !== undefined ? { region: parseRegion(values.region) } : {}),
  };
}

/** The document credential_process reads (Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

export async function run(opts: CredentialProcessOptions, deps: Deps): Promise<number> {
  // Everything but the credentials goes to stderr, and nothing may wait for an answer.
  const quiet: Deps = { ...withoutSelfProfile(deps), stdout: deps.stderr, interactive: false };
  let ctx: OperatorContext | undefined;
  try {
    const resolved = await resolveFromCache(quiet, opts.target);
    ctx = resolved.ctx;
    const { account } = resolved;
    const session = await openRoleSession(quiet, ctx, account, {
      ...(opts.role !== undefined ? { role: opts.role } : {}),
      ...(opts.durationSeconds !== undefined ? { durationSeconds: opts.durationSeconds } : {}),
      ...(opts.region !== undefined ? { region: opts.region } : {}),
    });
    const c = session.credentials;
    const document: ProcessCredentials = {
      Version: 1,
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      SessionToken: c.sessionToken,
      Expiration: c.expiration,
    };
    deps.stdout.write(JSON.stringify(document) + '\n');
    return ExitCode.ok;
  } catch (err) {
    throw asSignInError(err, ctx?.base ?? currentBase(quiet), quiet);
  }
}

/**
 * The account, from the cached inventory whatever its age when the target is in it: the AWS CLI
 * waits on this command, and a profile's account id does not change. Only a target the cache
 * does not know (or no cache) loads the inventory again.
 */
async function resolveFromCache(
  deps: Deps,
  target: string,
): Promise<{ ctx: OperatorContext; account: InventoryAccount }> {
  const settings = readSettings(deps.paths);
  checkCacheDirsSync(deps.paths);
  const base = baseSignIn(deps.env, settings);
  const lookup = readInventory(deps.paths, base.id, deps.clock.now(), settings.inventoryTtlMinutes);
  if (lookup.kind === 'fresh' || lookup.kind === 'stale') {
    const ctx: OperatorContext = {
      settings,
      base,
      inventory: lookup.inventory,
      inventoryFrom: lookup.kind === 'fresh' ? 'cache' : 'stale-cache',
    };
    try {
      return { ctx, account: resolveTarget(target, ctx.inventory.accounts, settings.aliases).account };
    } catch (err) {
      if (lookup.kind === 'fresh' || !(err instanceof UsageError)) throw err;
    }
  }
  const ctx = await loadOperatorContext(deps, { refresh: lookup.kind === 'stale' });
  return { ctx, account: resolveTarget(target, ctx.inventory.accounts, ctx.settings.aliases).account };
}

/**
 * When AWS_PROFILE names one of the profiles awsorg generated (`export AWS_PROFILE=awsorg-prod`),
 * the AWS CLI passes it on to us; taking it as our own sign-in would run this command again,
 * recursively. Such a profile is ignored, and the sign-in behind it is used instead.
 */
function withoutSelfProfile(deps: Deps): Deps {
  const profile = deps.env.AWS_PROFILE;
  if (!profile) return deps;
  const command = profileSettings(readAwsConfig(deps.env), profile)?.credential_process;
  if (!command || !/\scredential-process(\s|$)/.test(command)) return deps;
  const env = { ...deps.env };
  delete env.AWS_PROFILE;
  // The SDK's credential chain falls back to process.env.AWS_PROFILE unless it is given a
  // profile, so its sessions name the default profile explicitly.
  const { aws } = createDeps({ ...deps, env: { ...env, AWS_PROFILE: 'default' }, aws: undefined });
  return { ...deps, env, aws };
}

function currentBase(deps: Deps): BaseSignIn | null {
  try {
    return baseSignIn(deps.env, readSettings(deps.paths));
  } catch {
    return null;
  }
}

/** How SDK credential providers say that a sign-in is missing or over. */
const SIGN_IN_PROBLEM =
  /expired|ExpiredToken|InvalidClientTokenId|UnrecognizedClient|InvalidToken|security token|session token|sso|sign[- ]?in|log ?in|mfa|multi-factor|Could not load credentials|credential provider|no credentials/i;
/** The narrower set that turns one of awsorg's own failures (exit 1) into a sign-in problem (exit 4). */
const REFUSED_SIGN_IN =
  /ExpiredToken|InvalidClientTokenId|UnrecognizedClient|security token included in the request is (invalid|expired)|Could not load credentials|multi-factor/i;

/** The command that repairs the base sign-in, for the message the AWS CLI shows its user. */
export function signInStep(base: BaseSignIn | null, env: Deps['env']): string {
  switch (base?.kind) {
    case 'sso':
      return base.via === 'profile' && base.profile
        ? `Run \`awsorg login --sso --profile ${base.profile}\` in a terminal (or \`aws sso login --profile ${base.profile}\`), then retry.`
        : 'Run `awsorg login --sso` in a terminal, then retry.';
    case 'profile': {
      const mfa = profileSettings(readAwsConfig(env), base.profile)?.mfa_serial;
      return mfa
        ? `Run \`awsorg login --profile ${base.profile} --mfa-serial ${mfa}\` in a terminal, then retry.`
        : `Check the credentials of profile ${base.profile}, or run \`awsorg login --profile ${base.profile}\` in a terminal, then retry.`;
    }
    case 'env':
      return `Renew the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY${base.temporary ? '/AWS_SESSION_TOKEN' : ''} for the process that runs the AWS CLI, or unset them and run \`awsorg login\`.`;
    default:
      return 'Run `awsorg login --sso` (IAM Identity Center) or `awsorg login --mfa-serial ARN` (an MFA session) in a terminal, or give the program that runs the AWS CLI credentials (AWS_PROFILE or access keys), then retry.';
  }
}

function asSignInError(err: unknown, base: BaseSignIn | null, deps: Deps): unknown {
  if (err instanceof UsageError) return err;
  const step = signInStep(base, deps.env);
  if (err instanceof AwsorgError) {
    const refused = REFUSED_SIGN_IN.test(err.message);
    if (err.exitCode !== ExitCode.credentials && !refused) return err;
    if (err.nextStep && /awsorg login/.test(err.nextStep)) return err;
    // Keep a specific next step (a role that cannot be assumed), and say how to sign in again.
    return new CredentialsError(
      err.message,
      refused || !err.nextStep ? step : `${err.nextStep} If the sign-in itself is over: ${step}`,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  if (SIGN_IN_PROBLEM.test(message) || (err as { name?: string })?.name === 'CredentialsProviderError') {
    return new CredentialsError(
      `cannot sign in to get credentials (no prompt is possible here): ${message.split('\n')[0]}`,
      step,
      { cause: err },
    );
  }
  return err;
}
