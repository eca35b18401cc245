/** What kind of principal an ARN names. Pure, and free of SDK imports (the console uses it). */
export type PrincipalType = 'root' | 'iam-user' | 'assumed-role' | 'federated-user' | 'other';

export function principalTypeOf(arn: string): PrincipalType {
  const resource = arn.split(':').slice(5).join(':');
  if (resource === 'root') return 'root';
  if (resource.startsWith('user/')) return 'iam-user';
  if (resource.startsWith('assumed-role/')) return 'assumed-role';
  if (resource.startsWith('federated-user/')) return 'federated-user';
  return 'other';
}

/**
 * Root and IAM users are the break-glass paths: long-term credentials that bypass Identity
 * Center. Their use must be visible every time.
 */
export function breakGlassWarning(result: { principalType: PrincipalType; arn: string }): string | undefined {
  if (result.principalType === 'root')
    return 'BREAK-GLASS: signed in as the ROOT USER. Use it only for the tasks that require root, and sign out when done.';
  if (result.principalType === 'iam-user')
    return `BREAK-GLASS: signed in as IAM user ${result.arn.split('/').pop()} (long-term credentials). Prefer IAM Identity Center for daily work.`;
  return undefined;
}
