/**
 * Who the console is signed in as, from what is known without calling AWS: the kind of base
 * sign-in and, when an earlier run cached it, the operator's ARN. Pure.
 */
import { describeBase, type BaseSignIn } from '../../aws/base-signin.js';
import { principalTypeOf } from '../../aws/principal.js';
import type { IdentitySummary } from './model.js';

const ROOT_BANNER =
  'BREAK-GLASS: ROOT USER: unrestricted access to the whole account. Use it only for tasks that need root, then sign out.';
const USER_BANNER =
  'BREAK-GLASS: IAM user, not IAM Identity Center: every action runs as this user. Prefer `awsorg login --sso`.';
const KEYS_BANNER =
  'BREAK-GLASS: long-term access keys (an IAM user or root): every action runs as them. Prefer `awsorg login --sso`.';

/** `cachedArn` is the operator ARN an earlier run stored (src/assume/operator.ts), if any. */
export function identitySummary(base: BaseSignIn, cachedArn: string | undefined): IdentitySummary {
  const source = describeBase(base);
  if (base.kind === 'sso') {
    return { kind: 'SSO', principal: base.sso.startUrl, source };
  }
  if (cachedArn) {
    switch (principalTypeOf(cachedArn)) {
      case 'root':
        return { kind: 'root', principal: cachedArn, source, breakGlass: ROOT_BANNER };
      case 'iam-user':
        return { kind: 'IAM user', principal: cachedArn, source, breakGlass: USER_BANNER };
      case 'assumed-role':
        return { kind: 'role session', principal: cachedArn, source };
      case 'federated-user':
        return { kind: 'federated user', principal: cachedArn, source };
      case 'other':
        return { kind: 'principal', principal: cachedArn, source };
    }
  }
  // Not looked up yet: say what the credentials are, without calling STS to draw a header.
  if (base.kind === 'env' && !base.temporary) {
    return { kind: 'IAM user or root', principal: `access key ${base.accessKeyId}`, source, breakGlass: KEYS_BANNER };
  }
  if (base.kind === 'env') return { kind: 'temporary keys', principal: `access key ${base.accessKeyId}`, source };
  if (base.kind === 'profile') return { kind: 'profile', principal: base.profile, source };
  return { kind: 'default credentials', principal: 'identity not looked up yet', source };
}
