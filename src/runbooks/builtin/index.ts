/** The runbooks awsorg ships, in the order `runbook list` shows them. */
import type { Runbook } from '../types.js';
import { breakGlassDrill } from './break-glass-drill.js';
import { breakGlassSession } from './break-glass-session.js';
import { containAccessKey } from './contain-access-key.js';
import { quarantineAccount } from './quarantine-account.js';
import { revokeRoleSessions } from './revoke-role-sessions.js';
import { s3PublicExposure } from './s3-public-exposure.js';

export const BUILTIN_RUNBOOKS: readonly Runbook[] = [
  breakGlassDrill,
  breakGlassSession,
  quarantineAccount,
  revokeRoleSessions,
  containAccessKey,
  s3PublicExposure,
];
