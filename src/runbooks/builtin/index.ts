/** The runbooks awsorg ships, in the order `runbook list` shows them. */
import type { Runbook } from '../types.js';
import { quarantineAccount } from './quarantine-account.js';

export const BUILTIN_RUNBOOKS: readonly Runbook[] = [quarantineAccount];
