/**
 * Baseline for the assume benchmark: the smallest AWS SDK v3 program that makes the same
 * sts:AssumeRole call (credentials and endpoint from the environment), then exits.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

const out = await new STSClient({}).send(
  new AssumeRoleCommand({ RoleArn: process.argv[2]!, RoleSessionName: 'bench-baseline' }),
);
if (!out.Credentials?.SessionToken) process.exit(1);
