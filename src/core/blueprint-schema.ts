/**
 * The blueprint's one declaration (zod 4). From it come the TypeScript types (blueprint.ts), the
 * structural and format checks (blueprint-load.ts maps its issues to messages with YAML lines),
 * and the JSON Schema at schema/blueprint.schema.json that editors use to check and complete
 * `awsorg.yaml`. Cross-field rules live beside it, in blueprint-rules.ts.
 *
 * Field names are a public contract (see issue 2); add fields, never rename them.
 */
import { z } from 'zod';
import { accountNameProblem, bucketNameProblem, emailProblem, type FieldProblem } from './blueprint-formats.js';
import { REGIONS, isRegion } from './regions.js';
import { closest } from './suggest.js';
import { customPolicyName } from './scp-limits.js';

export const DEFAULT_NONCURRENT_VERSION_DAYS = 90;
/** AWS Organizations allows OUs five levels deep below the root. */
export const MAX_OU_DEPTH = 5;
/** SCP names are at most 128 characters and ours carry the `awsorg-custom-` prefix. */
export const MAX_CUSTOM_NAME = 128 - customPolicyName('').length;
/** Organizations allows 50 tags per account; awsorg sets one of its own. */
const MAX_ACCOUNT_TAGS = 49;
/** The characters AWS accepts in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** How the loader words a mapping that is not one: what it is, and an example to write. */
export const mappingHints = z.registry<{ what: string; example?: string; message?: string }>();

type Check<T> = (value: T) => FieldProblem | undefined;

/** `schema` with format checks whose problems carry their fix; blank text is left to the required/empty check. */
function checked<S extends z.ZodType>(schema: S, ...checks: Check<z.output<S>>[]): S {
  return schema.superRefine((value, ctx) => {
    if (typeof value === 'string' && value.trim() === '') return;
    for (const check of checks) {
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { fix: problem.fix } });
    }
  }) as S;
}

const problem = (message: string, fix: string): FieldProblem => ({ message, fix });

// Patterns for editors (the JSON Schema); the checks give the precise message and fix.
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const BUCKET =
  /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OU_PATH = /^(?!Root(\/|$))[^/\s](?:[^/]{0,126}[^/\s])?(\/[^/\s](?:[^/]{0,126}[^/\s])?){0,4}$/;
const REF = /^refs\/(heads|tags)\/[^\s*?]+$/;
const EMAIL = /^(?=.{6,64}$)[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const ACCOUNT_NAME = /^[\x20-\x7E]{1,50}$/;
const NO_WILDCARD = /^[^*?]+$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

/** Non-blank text. The pattern makes editors flag an empty value too. */
function text(description: string, example?: string, pattern?: RegExp, ...checks: Check<string>[]) {
  const base = z.string().regex(/\S/).describe(description);
  const withMeta = pattern || example ? base.meta({ ...(example && { examples: [example] }) }) : base;
  const schema = pattern ? withMeta.meta({ pattern: pattern.source }) : withMeta;
  return checks.length > 0 ? checked(schema, ...checks) : schema;
}

/** A list of non-blank texts where each entry may appear once. */
/** Refuses an entry listed twice, naming its index. */
function noRepeats(values: readonly string[], ctx: z.RefinementCtx): void {
  values.forEach((value, i) => {
    if (values.indexOf(value) !== i)
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `'${value}' is listed twice`,
        params: { fix: 'remove the repeated entry' },
      });
  });
}

function uniqueList(item: z.ZodString, description: string, example?: string) {
  return z
    .array(item)
    .describe(description)
    .meta({ uniqueItems: true, ...(example ? { examples: [example] } : {}) })
    .superRefine(noRepeats);
}

/** A list that must hold at least one entry: `minItems` for editors, the loader's words and fix when empty. */
function nonEmpty(list: ReturnType<typeof uniqueList>, message: string, fix: string) {
  return list.meta({ minItems: 1 }).superRefine((items, ctx) => {
    if (items.length === 0) ctx.addIssue({ code: 'custom', message, params: { fix } });
  });
}

function strict<S extends z.ZodRawShape>(shape: S, description: string, what: string, example?: string) {
  return z
    .strictObject(shape)
    .describe(description)
    .register(mappingHints, { what, ...(example && { example }) });
}

function regionProblem(region: string): FieldProblem | undefined {
  if (isRegion(region)) return undefined;
  const guess = closest(region, REGIONS);
  return problem(
    `'${region}' is not an AWS Region`,
    guess ? `did you mean '${guess}'?` : 'use a Region name such as us-east-1 or eu-west-1',
  );
}

function ouPathProblem(value: string): FieldProblem | undefined {
  const segments = value.split('/');
  if (segments[0] === 'Root')
    return problem(
      `'${value}' names the root, which always exists`,
      `list paths below the root, e.g. '${segments.slice(1).join('/') || 'Workloads'}'`,
    );
  if (segments.some((s) => s === ''))
    return problem(
      `'${value}' has an empty segment (a leading, trailing or double '/')`,
      `write it as '${segments.filter(Boolean).join('/')}'`,
    );
  if (segments.length > MAX_OU_DEPTH)
    return problem(
      `'${value}' is ${segments.length} levels deep; AWS Organizations allows at most ${MAX_OU_DEPTH} levels of OUs below the root`,
      'flatten the hierarchy',
    );
  const long = segments.find((s) => s.length > 128);
  if (long)
    return problem(
      `the OU name '${long.slice(0, 20)}...' is ${long.length} characters; OU names are 1 to 128`,
      'shorten the OU name',
    );
  const padded = segments.find((s) => s.trim() !== s);
  if (padded !== undefined)
    return problem(
      `the OU name '${padded}' starts or ends with whitespace`,
      `write it as '${segments.map((s) => s.trim()).join('/')}'`,
    );
  return undefined;
}

function tagsProblems(tags: Record<string, string>, ctx: z.RefinementCtx): void {
  const add = (path: PropertyKey[], message: string, fix: string) =>
    ctx.addIssue({ code: 'custom', path, message, params: { fix } });
  const entries = Object.entries(tags);
  if (entries.length > MAX_ACCOUNT_TAGS)
    add(
      [],
      `has ${entries.length} tags; an account takes at most ${MAX_ACCOUNT_TAGS} besides awsorg's own`,
      'keep the tags awsorg must set, and manage the others elsewhere',
    );
  const chars = 'use letters, digits, spaces and _ . : / = + - @';
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128)
      add([key], `is a tag key of ${key.length} characters; AWS accepts 1 to 128`, 'shorten the key');
    else if (/^aws:/i.test(key))
      add([key], `is a tag key starting with 'aws:', which AWS reserves`, 'drop the aws: prefix');
    else if (/^awsorg:/i.test(key))
      add([key], `is a tag key starting with 'awsorg:', which awsorg sets itself`, 'use another key, e.g. environment');
    else if (!TAG_TEXT.test(key)) add([key], 'is a tag key with characters AWS refuses', chars);
    if (value.length > 256)
      add([key], `is a tag value of ${value.length} characters; AWS accepts at most 256`, 'shorten the value');
    else if (!TAG_TEXT.test(value)) add([key], 'is a tag value with characters AWS refuses', chars);
  }
}

export const POLICY_TYPES = [
  'SERVICE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'CHATBOT_POLICY',
] as const;

const targets = nonEmpty(
  uniqueList(
    text('Root, an OU path from organizationalUnits, or an account name from accounts', 'Workloads'),
    'Where the guardrail is attached: Root, OU paths, or account names from the blueprint.',
    '[Workloads]',
  ),
  'is empty, so the guardrail would never be attached',
  'add Root, an OU path or an account name, or remove the guardrail',
);

const targetsOnly = (description: string) =>
  strict({ targets }, description, 'a guardrail', '{ targets: [Workloads] }');

const accountRef = (description: string, example: string) =>
  text(`${description} \`management\` or an account name from accounts.`, example);

const iamAction = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

export const BlueprintAccountSchema = strict(
  {
    name: text('The account name (1-50 printable ASCII characters).', 'production', ACCOUNT_NAME, accountNameProblem),
    email: text(
      "The account root user's email; every account needs its own.",
      'aws+production@example.com',
      EMAIL,
      emailProblem,
    ),
    ou: text('OU path from the root, e.g. `Workloads/Production`, or `Root` for the root itself.', 'Workloads'),
    tags: z
      .record(z.string(), z.string().meta({ examples: ['production'] }))
      .meta({ propertyNames: { pattern: '^(?!(aws|awsorg):)', maxLength: 128 }, maxProperties: 49 })
      .describe(
        'Tags awsorg sets on the account (tags not named here are left alone). `environment: production` marks an account production for `assume` and the console.',
      )
      .register(mappingHints, {
        what: 'tags',
        message: 'must be a mapping of tag keys to values',
        example: 'tags: { environment: production }',
      })
      .superRefine(tagsProblems)
      .optional(),
  },
  'An account awsorg creates (or adopts) and places in an OU.',
  'an account',
  '{ name: production, email: aws+production@example.com, ou: Workloads }',
);

const custom = strict(
  {
    name: text(
      'Guardrail name; it becomes the SCP name awsorg-custom-<name>.',
      'deny-public-s3',
      /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
      (name) =>
        /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name) && name.length <= MAX_CUSTOM_NAME
          ? undefined
          : problem(
              `'${name}' is not a usable guardrail name; it becomes the SCP name '${customPolicyName(name)}'`,
              `use up to ${MAX_CUSTOM_NAME} letters, digits, '-' and '_', starting with a letter or digit`,
            ),
    ),
    file: text('Path of the SCP JSON document, relative to the blueprint.', 'policies/deny-public-s3.json'),
    targets,
  },
  'A service control policy of your own, read from a JSON file.',
  'a custom guardrail',
  '{ name: deny-public-s3, file: policies/deny-public-s3.json, targets: [Workloads] }',
);

export const GuardrailsSchema = strict(
  {
    denyRegions: strict(
      {
        allow: nonEmpty(
          uniqueList(
            text('An AWS Region', 'us-east-1', REGION, regionProblem),
            'The Regions accounts may use; every other regional action is denied.',
            '[us-east-1, us-west-2]',
          ),
          'is empty, which would deny every regional service everywhere',
          'list the Regions your accounts may use, e.g. [us-east-1, us-west-2]',
        ),
        targets,
      },
      'Region lock: deny actions outside the allowed Regions (global services are exempt).',
      'a guardrail',
    ).optional(),
    denyRoot: targetsOnly('Deny every action to the root user of member accounts.').optional(),
    requireMfa: strict(
      {
        actions: nonEmpty(
          uniqueList(
            text('An IAM action, service:Action (wildcards allowed)', 'iam:DeleteRole', iamAction, (value) =>
              value === '*' || iamAction.test(value)
                ? undefined
                : problem(
                    `'${value}' is not an IAM action`,
                    'write actions as service:Action, e.g. iam:DeleteRole or ec2:Terminate*',
                  ),
            ),
            'Actions denied to sessions without MFA.',
            '[iam:DeleteRole, iam:DeletePolicy]',
          ),
          'is empty, so the guardrail would deny nothing',
          'list the actions that need MFA, e.g. [iam:DeleteRole, iam:DeletePolicy]',
        ),
        targets,
      },
      'Deny the listed actions to sessions without MFA.',
      'a guardrail',
    ).optional(),
    denyLeaveOrganization: targetsOnly('Member accounts cannot leave the organization.').optional(),
    custom: z.array(custom).describe('Service control policies of your own.').optional(),
  },
  'Service control policies awsorg writes and attaches.',
  'guardrails',
);

const kmsArn = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;

export const StateBackendSchema = strict(
  {
    account: accountRef('Account that holds the state bucket:', 'management').default('management'),
    bucket: text(
      'S3 bucket for Terraform/OpenTofu state (globally unique).',
      'acme-tfstate-7f3a',
      BUCKET,
      bucketNameProblem,
    ),
    lock: z
      .enum(['dynamodb', 'lockfile', 'both'])
      .describe('State locking: a DynamoDB table, an S3 lock file, or both.'),
    table: text(
      'DynamoDB lock table; required when lock is dynamodb or both.',
      'acme-tf-locks',
      /^[A-Za-z0-9_.-]{3,255}$/,
      (table) =>
        /^[A-Za-z0-9_.-]{3,255}$/.test(table)
          ? undefined
          : problem(
              `'${table}' is not a DynamoDB table name`,
              'use 3-255 letters, digits, underscores, hyphens and periods',
            ),
    ).optional(),
    encryption: text(
      '`aws:kms`, `AES256`, or a KMS key ARN in the bucket Region.',
      'aws:kms',
      /^(aws:kms|AES256|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+))$/,
      (value) =>
        value === 'aws:kms' || value === 'AES256' || kmsArn.test(value)
          ? undefined
          : problem(
              `'${value}' is neither aws:kms, AES256 nor a KMS key ARN`,
              'use aws:kms (the AWS managed key), AES256, or arn:aws:kms:<region>:<account id>:key/<key id>',
            ),
    ).default('aws:kms'),
    enforceTls: z.boolean().describe('Deny requests to the state bucket that do not use TLS.').default(true),
    noncurrentVersionDays: z
      .number()
      .int()
      .min(1)
      .describe('Days a noncurrent state version is kept before it expires.')
      .default(DEFAULT_NONCURRENT_VERSION_DAYS),
  },
  'The S3 bucket (and lock) awsorg creates for Terraform/OpenTofu state.',
  'the state backend',
);

const wildcard = /[*?]/;

export const CiOidcSchema = strict(
  {
    provider: z.enum(['github', 'gitlab']).describe('The CI system whose OIDC tokens the deploy role trusts.'),
    repository: text(
      'GitHub `owner/repo`, or GitLab project path `group/project`.',
      'acme/infrastructure',
      NO_WILDCARD,
    ),
    ref: text(
      'A full ref such as `refs/heads/main` (exactly one of ref / environment).',
      'refs/heads/main',
      REF,
      (ref) =>
        wildcard.test(ref) || REF.test(ref)
          ? undefined
          : problem(
              `'${ref}' is not a full branch or tag ref`,
              `write it as refs/heads/${ref.replace(/^refs\/[^/]*\/?/, '') || 'main'} (or refs/tags/<tag>)`,
            ),
    ).optional(),
    environment: text(
      'GitHub only: the deployment environment (exactly one of ref / environment).',
      'production',
      /^[^*?]{1,255}$/,
    ).optional(),
    roleName: text('Name of the IAM role CI assumes.', 'github-deploy', /^[\w+=,.@-]{1,64}$/, (name) =>
      /^[\w+=,.@-]{1,64}$/.test(name)
        ? undefined
        : problem(`'${name}' is not an IAM role name`, "use 1-64 letters, digits and '+=,.@_-', e.g. github-deploy"),
    ),
    policyArns: uniqueList(
      text('An IAM policy ARN', 'arn:aws:iam::aws:policy/ReadOnlyAccess', POLICY_ARN, (arn) =>
        POLICY_ARN.test(arn)
          ? undefined
          : problem(
              `'${arn}' is not an IAM policy ARN`,
              'use an ARN like arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/deploy',
            ),
      ),
      'Managed policies attached to the deploy role.',
    ).default([]),
    inlinePolicy: text(
      'Path, relative to the blueprint, of an inline policy JSON document.',
      'policies/deploy.json',
    ).optional(),
    url: text(
      'GitLab only: the instance URL (default https://gitlab.com).',
      'https://gitlab.com',
      undefined,
      gitLabUrlProblem,
    ).optional(),
    account: accountRef('Account that holds the provider and role:', 'management').default('management'),
  },
  'An IAM OIDC provider and a deploy role that CI assumes, scoped to one branch or environment.',
  'the CI OIDC settings',
);

function gitLabUrlProblem(url: string): FieldProblem | undefined {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:')
    return problem(
      `'${url}' is not an https URL; IAM only trusts OIDC issuers served over https`,
      'use the instance URL, e.g. https://gitlab.example.com',
    );
  if (url.endsWith('/') || parsed.search !== '' || parsed.hash !== '')
    return problem(
      `'${url}' must be exactly the issuer URL, with no trailing '/', query or fragment`,
      `use '${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}'`,
    );
  return undefined;
}

const trailName = /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;
const TRAIL_NAME = /^(?!.*[._-]{2})[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;

export const OrganizationTrailSchema = strict(
  {
    name: text('CloudTrail trail name.', 'org-trail', TRAIL_NAME, (name) => {
      if (!trailName.test(name))
        return problem(
          `'${name}' is not a CloudTrail trail name`,
          "use 3-128 letters, digits, '.', '_' and '-', starting and ending with a letter or digit, e.g. org-trail",
        );
      return /[._-]{2}/.test(name)
        ? problem(
            `'${name}' has adjacent '.', '_' or '-' characters, which CloudTrail refuses`,
            `use '${name.replace(/[._-]{2,}/g, '-')}'`,
          )
        : undefined;
    }),
    bucket: text('S3 bucket for the trail logs.', 'acme-org-trail-7f3a', BUCKET, bucketNameProblem),
    account: accountRef('Account that holds the log bucket:', 'log-archive'),
  },
  'An organization-wide CloudTrail trail and its log bucket.',
  'the organization trail',
);

export const TerraformSettingsSchema = strict(
  {
    dir: text('Directory for the generated Terraform/OpenTofu code.', './bootstrap'),
    key: text('S3 key of the state in the state bucket.', 'bootstrap/terraform.tfstate', /^[^/]/, (key) =>
      key.startsWith('/')
        ? problem(
            `'${key}' starts with '/'; S3 keys are relative to the bucket`,
            `write it as '${key.replace(/^\/+/, '')}'`,
          )
        : undefined,
    ),
    tool: z
      .enum(['auto', 'terraform', 'tofu'])
      .describe('Which tool to run; auto picks terraform, then tofu.')
      .default('auto'),
    handoff: z
      .boolean()
      .describe(
        'Hand the organization to Terraform/OpenTofu: write code, import it, migrate the state into the bucket.',
      )
      .optional(),
  },
  'Where the Terraform/OpenTofu code and state go.',
  'the Terraform settings',
);

export const BlueprintSchema = strict(
  {
    version: z.literal(1).describe('Blueprint format version; this awsorg reads version 1.'),
    region: text('The home Region where awsorg creates buckets and tables.', 'us-east-1', REGION, regionProblem),
    organization: strict(
      {
        trustedServices: uniqueList(
          text(
            'An AWS service principal',
            'cloudtrail.amazonaws.com',
            /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/,
            (value) =>
              /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/.test(value)
                ? undefined
                : problem(
                    `'${value}' is not an AWS service principal`,
                    'use a service principal such as cloudtrail.amazonaws.com or sso.amazonaws.com',
                  ),
          ),
          'Services given trusted access to the organization.',
        ).default([]),
        policyTypes: z
          .array(z.enum(POLICY_TYPES).describe('A policy type'))
          .describe('Policy types enabled on the root.')
          .superRefine(noRepeats)
          .default([]),
      },
      'Organization-wide settings.',
      'the organization',
    ).default({ trustedServices: [], policyTypes: [] }),
    organizationalUnits: uniqueList(
      text('An OU path below the root, e.g. Workloads/Production', 'Workloads', OU_PATH, ouPathProblem),
      'OU paths below the root; list a parent before its children.',
    ).default([]),
    accounts: z.array(BlueprintAccountSchema).describe('Member accounts.').default([]),
    guardrails: GuardrailsSchema.optional(),
    stateBackend: StateBackendSchema.optional(),
    ciOidc: CiOidcSchema.optional(),
    organizationTrail: OrganizationTrailSchema.optional(),
    terraform: TerraformSettingsSchema.optional(),
  },
  'The awsorg blueprint: the desired AWS Organization.',
  'the blueprint',
);

/** The JSON Schema editors use for `awsorg.yaml` (see schema/blueprint.schema.json). */
export function blueprintJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(BlueprintSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  nullWhereOptional(schema);
  return { ...schema, title: 'awsorg blueprint (awsorg.yaml)' };
}

/**
 * The loader reads a field left empty (`ciOidc:` with nothing after it, YAML's null) as absent;
 * the schema lets every optional field be null too, so an editor does not mark such a file wrong.
 */
function nullWhereOptional(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) nullWhereOptional(item);
    return;
  }
  const schema = node as Record<string, unknown>;
  for (const child of Object.values(schema)) nullWhereOptional(child);
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (typeof properties !== 'object' || properties === null) return;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, property] of Object.entries(properties)) {
    if (required.has(key)) continue;
    if (typeof property.type === 'string') {
      property.type = [property.type, 'null'];
      if (Array.isArray(property.enum)) property.enum = [...property.enum, null];
    } else {
      const { description, default: fallback, ...rest } = property;
      properties[key] = { description, default: fallback, anyOf: [rest, { type: 'null' }] };
    }
  }
}

/** The committed file's exact text (schema/blueprint.schema.json), as `awsorg blueprint schema` prints it. */
export function blueprintJsonSchemaText(): string {
  return `${JSON.stringify(blueprintJsonSchema(), null, 2)}\n`;
}
