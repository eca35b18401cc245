/**
 * Who the caller is and their place in an organization: `awsorg whoami`, bootstrap's identity
 * step and the wizard's sign-in all ask it, so it lives beside the session, below all three.
 */
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { AwsCallError } from '../core/errors.js';
import { principalTypeOf, type PrincipalType } from './principal.js';
import type { AwsSession } from './session.js';

export type OrganizationRole = 'management' | 'member' | 'none' | 'unknown';

export interface WhoamiResult {
  account: string;
  arn: string;
  userId: string;
  principalType: PrincipalType;
  isRoot: boolean;
  organization: {
    role: OrganizationRole;
    id?: string;
    managementAccountId?: string;
    featureSet?: string;
    /** Why the role is `unknown`. */
    reason?: string;
  };
}

/** The caller and its place in an organization. */
export async function describeCaller(session: AwsSession): Promise<WhoamiResult> {
  const identity = await session.identity();
  const principalType = principalTypeOf(identity.arn);
  const base = { ...identity, principalType, isRoot: principalType === 'root' };
  try {
    const { Organization: org } = await session.send('organizations', new DescribeOrganizationCommand({}));
    return {
      ...base,
      organization: {
        role: org?.MasterAccountId === identity.account ? 'management' : 'member',
        ...(org?.Id ? { id: org.Id } : {}),
        ...(org?.MasterAccountId ? { managementAccountId: org.MasterAccountId } : {}),
        ...(org?.FeatureSet ? { featureSet: org.FeatureSet } : {}),
      },
    };
  } catch (err) {
    if (err instanceof AwsCallError && err.code === 'AWSOrganizationsNotInUseException') {
      return { ...base, organization: { role: 'none' } };
    }
    if (err instanceof AwsCallError && /AccessDenied/.test(err.code)) {
      return {
        ...base,
        organization: { role: 'unknown', reason: `organizations:DescribeOrganization was denied (${err.code})` },
      };
    }
    throw err;
  }
}
