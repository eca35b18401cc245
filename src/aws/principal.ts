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
