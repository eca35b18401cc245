/**
 * Runbook requests are data (`AwsRequest`). This module turns one into the SDK command of the
 * same name and sends it through the session (retries, error naming), and summarises the
 * response for the transcript. Keeping requests as data is what lets the transcript record the
 * exact call and lets `runbook rollback` replay a rollback without the runbook's code.
 */
import type { AwsSession, ServiceName } from '../aws/session.js';
import { UsageError } from '../core/errors.js';
import type { AwsRequest } from './types.js';

type CommandClass = new (input: Record<string, unknown>) => object;

const MODULES: Partial<Record<ServiceName, () => Promise<Record<string, unknown>>>> = {
  organizations: () => import('@aws-sdk/client-organizations') as Promise<Record<string, unknown>>,
  iam: () => import('@aws-sdk/client-iam') as Promise<Record<string, unknown>>,
  s3: () => import('@aws-sdk/client-s3') as Promise<Record<string, unknown>>,
  sts: () => import('@aws-sdk/client-sts') as Promise<Record<string, unknown>>,
  events: () => import('@aws-sdk/client-eventbridge') as Promise<Record<string, unknown>>,
  cloudtrail: () => import('@aws-sdk/client-cloudtrail') as Promise<Record<string, unknown>>,
};

export function callName(request: Pick<AwsRequest, 'service' | 'action'>): string {
  return `${request.service}:${request.action}`;
}

async function commandClass(request: AwsRequest): Promise<CommandClass> {
  const load = MODULES[request.service];
  const Command = load ? (await load())[`${request.action}Command`] : undefined;
  if (typeof Command !== 'function') {
    throw new UsageError(
      `${callName(request)} is not an API call awsorg runbooks can send`,
      'Check the service and action names in the runbook (e.g. iam:PutRolePolicy).',
    );
  }
  return Command as CommandClass;
}

/** Send one request as data; resolves to the response without SDK metadata. */
export async function sendRequest(
  session: AwsSession,
  request: AwsRequest,
  region?: string,
): Promise<Record<string, unknown>> {
  const Command = await commandClass(request);
  // A copy: SDK middleware adds fields (checksums) to its input, and the recorded request must be the one planned.
  const out = (await session.send(
    request.service,
    new Command(structuredClone(request.input)) as never,
    region ? { region } : {},
  )) as unknown as Record<string, unknown>;
  return responseSummary(out);
}

/** The response without `$metadata` (request ids stay: they tie the transcript to CloudTrail). */
export function responseSummary(out: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!out) return {};
  const { $metadata, ...rest } = out as { $metadata?: { requestId?: string; httpStatusCode?: number } };
  return { ...rest, ...($metadata?.requestId ? { requestId: $metadata.requestId } : {}) };
}

/** JSON-safe copy (Dates to ISO strings, Uint8Array bodies dropped) for the transcript and the screen. */
export function plain<T>(value: T): unknown {
  return JSON.parse(
    JSON.stringify(value ?? null, (_k, v: unknown) => (v instanceof Uint8Array ? `[${v.length} bytes]` : v)),
  ) as unknown;
}
