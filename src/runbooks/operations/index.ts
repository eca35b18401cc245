/** The operation registry: what a runbook step's `operation` names. */
import type { Operation } from '../types.js';
import { ORGANIZATIONS_OPERATIONS } from './organizations.js';

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...ORGANIZATIONS_OPERATIONS,
};
