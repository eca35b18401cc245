/**
 * The ids of the runbooks awsorg ships, in `runbook list` order. Shell completion offers them
 * without loading the runbooks themselves (about 20 KB the `assume` hot bundle would otherwise
 * carry); test/unit/completion.test.ts checks that this list and index.ts's runbooks agree.
 */
export const BUILTIN_RUNBOOK_IDS = [
  'break-glass-drill',
  'break-glass-session',
  'quarantine-account',
  'revoke-role-sessions',
  'contain-access-key',
  's3-public-exposure',
] as const;

export type BuiltinRunbookId = (typeof BUILTIN_RUNBOOK_IDS)[number];
