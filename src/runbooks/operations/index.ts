/** The operation registry: what a runbook step's `operation` names. */
import type { Operation } from '../types.js';
import { BREAK_GLASS_OPERATIONS } from './break-glass.js';
import { IAM_OPERATIONS } from './iam.js';
import { ORGANIZATIONS_OPERATIONS } from './organizations.js';
import { S3_OPERATIONS } from './s3.js';

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...ORGANIZATIONS_OPERATIONS,
  ...IAM_OPERATIONS,
  ...S3_OPERATIONS,
  ...BREAK_GLASS_OPERATIONS,
};
