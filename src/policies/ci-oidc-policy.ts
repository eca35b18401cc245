/**
 * The deploy role's trust policy: the issuer of a CI provider, the one subject the role accepts,
 * and the policy document. Pure and free of SDK imports, so the wizard's live preview can use it
 * without loading IAM.
 */
import type { CiOidc } from '../core/blueprint.js';
import { ValidationError } from '../core/errors.js';

/** Name of the deploy role's inline policy (`ciOidc.inlinePolicy`). */
export const INLINE_POLICY_NAME = 'awsorg-deploy';

export interface OidcIssuer {
  /** Provider URL without the scheme, as IAM uses it in ARNs and condition keys. */
  host: string;
  url: string;
  audience: string;
}

export function issuerFor(ci: CiOidc): OidcIssuer {
  if (ci.provider === 'github') {
    return {
      host: 'token.actions.githubusercontent.com',
      url: 'https://token.actions.githubusercontent.com',
      audience: 'sts.amazonaws.com',
    };
  }
  const url = (ci.url ?? 'https://gitlab.com').replace(/\/+$/, '');
  // GitLab's ID tokens carry the instance URL as the default audience.
  return { host: url.replace(/^https:\/\//, ''), url, audience: url };
}

/** The `sub` claim the role accepts: one repository, and one branch, tag or environment. */
export function subjectFor(ci: CiOidc): string {
  if (ci.repository.includes('*') || ci.repository.includes('?') || (!ci.ref && !ci.environment)) {
    // Validation refuses these earlier; this guard keeps an unscoped trust policy unreachable.
    throw new ValidationError('ciOidc', [
      {
        path: 'ciOidc',
        message: 'the deploy role would trust every repository or branch',
        fix: 'name one repository and a `ref` or `environment`',
      },
    ]);
  }
  if (ci.provider === 'github') {
    return ci.environment
      ? `repo:${ci.repository}:environment:${ci.environment}`
      : `repo:${ci.repository}:ref:${ci.ref}`;
  }
  const ref = ci.ref!;
  const [refType, name] = ref.startsWith('refs/tags/')
    ? ['tag', ref.slice('refs/tags/'.length)]
    : ['branch', ref.replace(/^refs\/heads\//, '')];
  return `project_path:${ci.repository}:ref_type:${refType}:ref:${name}`;
}

export function deployRoleTrustPolicy(ci: CiOidc, providerArn: string): Record<string, unknown> {
  const issuer = issuerFor(ci);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AwsorgCiOidcDeploy',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer.host}:aud`]: issuer.audience,
            [`${issuer.host}:sub`]: subjectFor(ci),
          },
        },
      },
    ],
  };
}

export function providerArnFor(partition: string, accountId: string | undefined, host: string): string {
  return `arn:${partition}:iam::${accountId ?? '<new account>'}:oidc-provider/${host}`;
}
