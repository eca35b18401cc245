/**
 * sts:AssumeRole from the base sign-in into a member account's role. The session name and
 * SourceIdentity name the operator; when a trust policy does not allow sts:SetSourceIdentity,
 * the call is repeated without it.
 */
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { BaseSignIn } from '../aws/base-signin.js';
import type { CachedCredentials } from '../core/credential-cache.js';
import type { Deps } from '../aws/deps.js';
import { AwsCallError, CredentialsError } from '../core/errors.js';
import type { InventoryAccount } from '../inventory/types.js';
import { operatorIdentity, sanitizeSessionName } from './operator.js';

export function roleArnFor(partition: string, accountId: string, role: string): string {
  return `arn:${partition}:iam::${accountId}:role/${role}`;
}

export async function assumeRoleCredentials(
  deps: Deps,
  base: BaseSignIn,
  account: InventoryAccount,
  role: string,
  durationSeconds: number,
): Promise<CachedCredentials> {
  const operator = await operatorIdentity(deps, base);
  const partition = operator.arn.split(':')[1] || 'aws';
  const roleArn = roleArnFor(partition, account.id, role);
  const session = deps.aws();
  const input = {
    RoleArn: roleArn,
    RoleSessionName: sanitizeSessionName(`awsorg-${operator.name}`),
    DurationSeconds: durationSeconds,
  };
  let out;
  try {
    out = await session.send('sts', new AssumeRoleCommand({ ...input, SourceIdentity: operator.name }));
  } catch (err) {
    if (!(err instanceof AwsCallError) || !/AccessDenied/.test(err.code) || !/SetSourceIdentity/i.test(err.awsMessage))
      throw explain(err, roleArn, account);
    // The trust policy does not allow sts:SetSourceIdentity; the session name still names the operator.
    try {
      out = await session.send('sts', new AssumeRoleCommand(input));
    } catch (second) {
      throw explain(second, roleArn, account);
    }
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new CredentialsError(`sts:AssumeRole into ${roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration.toISOString(),
    accountId: account.id,
    role,
    ...(out.AssumedRoleUser?.Arn ? { arn: out.AssumedRoleUser.Arn } : {}),
  };
}

function explain(err: unknown, roleArn: string, account: InventoryAccount): unknown {
  if (err instanceof AwsCallError && /AccessDenied/.test(err.code)) {
    return new CredentialsError(
      `cannot assume ${roleArn} in ${account.name}: ${err.awsMessage}`,
      `Check that the role exists in account ${account.id} and that its trust policy allows ${err.principalArn ?? 'your identity'}; choose another role with --role.`,
      { cause: err },
    );
  }
  if (err instanceof AwsCallError && err.code === 'ValidationError' && /DurationSeconds/i.test(err.message)) {
    return new CredentialsError(
      `${roleArn} does not allow that session length: ${err.message}`,
      'Use a shorter --duration (1h is the limit when chaining roles).',
      { cause: err },
    );
  }
  return err;
}
