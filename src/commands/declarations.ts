/**
 * Every command of awsorg, its subcommands and flags, declared once as data. The parsers
 * (src/commands/*.ts), `--help`, "did you mean", the completion scripts and the README's
 * command list are all generated from this file. Adding a command is one entry in
 * DECLARATIONS plus its loader in src/commands/loaders.ts.
 *
 * Pure data: it imports nothing, so help and completion never load a command's implementation.
 */
import type { CommandDecl } from './declare.js';

const DURATIONS = ['15m', '30m', '1h', '2h', '4h', '8h', '12h'] as const;
const MEMBER_ROLE_DEFAULT = 'OrganizationAccountAccessRole';

const json = { description: 'print machine-readable JSON on stdout' } as const;
const memberRole = {
  value: 'ROLE',
  kind: 'text',
  description: 'role assumed in member accounts',
  default: MEMBER_ROLE_DEFAULT,
  example: '--member-role OrgAdmin',
} as const;
const allowOutsideFiles = { description: "let the blueprint's policy files resolve outside its directory" } as const;
const allowPlaceholders = {
  description: "accept the presets' placeholder values (example.com emails); for emulator runs",
} as const;
const omitTlsDeny = { description: 'leave out the guardrail that denies requests without TLS' } as const;
const configFile = {
  value: 'FILE',
  kind: 'file',
  short: 'c',
  description: 'the blueprint (awsorg.yaml)',
  example: '--config awsorg.yaml',
} as const;
const role = {
  value: 'ROLE',
  kind: 'role',
  description: 'the role to assume in the account',
  default: 'the setting defaultRole, or the permission set on offer',
  example: '--role ReadOnlyAccess',
} as const;
const duration = {
  value: 'DURATION',
  kind: DURATIONS,
  description: 'how long the credentials last, 15m to 12h',
  default: 'the role maximum, 1h when chained',
  example: '--duration 4h',
} as const;
const region = {
  value: 'REGION',
  kind: 'region',
  description: 'the region of the credentials',
  default: 'the region awsorg resolves, else us-east-1',
  example: '--region eu-west-1',
} as const;
const target = {
  name: 'TARGET',
  kind: 'target',
  description: 'an alias, a 12-digit account id or an account name (case-insensitive)',
} as const;
const runbooks = {
  value: 'DIR',
  kind: 'dir',
  multiple: true,
  description: 'also read your own YAML runbooks from DIR (repeatable)',
  example: '--runbooks ./runbooks',
} as const;
const dryRun = { description: 'show what would change and change nothing' } as const;
const yes = { short: 'y', description: 'go ahead without asking (needed without a terminal)' } as const;

export const bootstrap = {
  path: 'bootstrap',
  summary: 'plan and apply the first-day organization setup',
  group: 'First day',
  description:
    'On a terminal without flags, opens the wizard. With --config or --preset, plans (--plan) or applies (--yes) the blueprint.',
  usage: [
    'awsorg bootstrap [--rehearse] [--omit-tls-deny]',
    'awsorg bootstrap (--config FILE | --preset NAME) [--plan | --yes] [--rehearse] [--json] [--allow-root] [--member-role NAME] [--omit-tls-deny] [--allow-outside-files] [--allow-placeholders] [--force]',
    'awsorg bootstrap --preset NAME --write FILE [--force]',
  ],
  flags: {
    config: configFile,
    preset: {
      value: 'NAME',
      choices: ['standard', 'three-accounts', 'regulated'],
      description: 'start from a built-in blueprint',
      example: '--preset standard',
    },
    write: {
      value: 'FILE',
      kind: 'file',
      description: 'write the --preset to FILE to edit, and stop',
      example: '--write awsorg.yaml',
    },
    force: { description: 'overwrite --write FILE; with --yes, regenerate hand-off files you edited' },
    plan: { description: 'show the plan and change nothing (exit 3 when there are changes)' },
    yes,
    rehearse: { description: 'run against a local emulator that awsorg starts; AWS is not touched' },
    json,
    'allow-root': { description: 'allow running as the root user of the management account' },
    'member-role': memberRole,
    'omit-tls-deny': omitTlsDeny,
    'allow-outside-files': allowOutsideFiles,
    'allow-placeholders': allowPlaceholders,
  },
  examples: [
    { command: 'awsorg bootstrap', comment: 'the wizard' },
    { command: 'awsorg bootstrap --preset standard --write awsorg.yaml', comment: 'write a blueprint to edit' },
    { command: 'awsorg bootstrap --config awsorg.yaml --plan' },
    { command: 'awsorg bootstrap --config awsorg.yaml --yes' },
  ],
  learnMore: 'README.md, "Using it on a real organization" and "The organization as code"',
} as const satisfies CommandDecl;

const stateMigrate = {
  path: 'state migrate',
  summary: 'move local Terraform/OpenTofu state into the S3 backend',
  usage: [
    'awsorg state migrate --dir DIR [--tool auto|terraform|tofu] [--config FILE [--allow-outside-files] [--allow-placeholders] | --bucket B --key K --region R --lock L [--table T]] [--account NAME|ID [--member-role ROLE]] [--json]',
  ],
  flags: {
    dir: { value: 'DIR', kind: 'dir', description: 'the Terraform directory', example: '--dir ./terraform' },
    tool: {
      value: 'TOOL',
      choices: ['auto', 'terraform', 'tofu'],
      description: 'which of terraform and tofu to run',
      default: 'auto',
      example: '--tool tofu',
    },
    bucket: { value: 'BUCKET', kind: 'text', description: 'the state bucket', example: '--bucket acme-tfstate' },
    key: {
      value: 'KEY',
      kind: 'text',
      description: 'the state object key',
      example: '--key org/terraform.tfstate',
    },
    region: { ...region, description: 'the bucket region', default: undefined },
    lock: {
      value: 'LOCK',
      choices: ['dynamodb', 'lockfile', 'both'],
      description: 'how Terraform locks the state',
      example: '--lock lockfile',
    },
    table: {
      value: 'TABLE',
      kind: 'text',
      description: 'the DynamoDB lock table (--lock dynamodb or both)',
      example: '--table tf-locks',
    },
    account: {
      value: 'ACCOUNT',
      kind: 'text',
      description: 'the account holding the bucket: management, an account name or id',
      default: 'management',
      example: '--account Shared',
    },
    'member-role': memberRole,
    config: { ...configFile, short: undefined, description: 'take the backend settings from the blueprint' },
    'allow-outside-files': allowOutsideFiles,
    'allow-placeholders': allowPlaceholders,
    json,
  },
  examples: [
    {
      command:
        'awsorg state migrate --dir ./terraform --bucket acme-tfstate --key org/terraform.tfstate --region us-east-1 --lock lockfile',
    },
  ],
  learnMore: 'README.md, "Commands" (State)',
} as const satisfies CommandDecl;

const stateHandoff = {
  path: 'state handoff',
  summary: 'hand a bootstrapped organization to Terraform',
  description:
    'Checks read-only that AWS matches the blueprint, writes the Terraform code, imports every resource, moves the state into the bucket and checks that `terraform plan` finds nothing to do.',
  usage: [
    'awsorg state handoff --config FILE [--plan] [--force] [--json] [--omit-tls-deny] [--allow-placeholders] [--allow-outside-files] [--member-role NAME]',
  ],
  flags: {
    config: configFile,
    plan: { description: 'show the files and imports and write nothing (exit 3 when there is something to do)' },
    force: { description: 'regenerate hand-off files you edited' },
    json,
    'omit-tls-deny': omitTlsDeny,
    'allow-placeholders': allowPlaceholders,
    'allow-outside-files': allowOutsideFiles,
    'member-role': memberRole,
  },
  examples: [{ command: 'awsorg state handoff --config awsorg.yaml --plan' }],
  learnMore: 'README.md, "Commands" (Hand-off later)',
} as const satisfies CommandDecl;

export const state = {
  path: 'state',
  summary: 'move Terraform state into S3 (migrate) or hand the organization to Terraform (handoff)',
  group: 'First day',
  usage: [...stateMigrate.usage, ...stateHandoff.usage],
  flags: {},
  subcommands: { migrate: stateMigrate, handoff: stateHandoff },
  learnMore: 'README.md, "Commands" (State)',
} as const satisfies CommandDecl;

export const login = {
  path: 'login',
  summary: 'sign in: IAM Identity Center device flow (--sso) or an MFA session (--mfa-serial)',
  group: 'First day',
  description:
    'Without flags, signs in the way the settings or the AWS config say. --sso runs the Identity Center device flow; --mfa-serial gets an MFA session for your access keys.',
  usage: [
    'awsorg login [--profile P] [--json]',
    'awsorg login --sso [--start-url URL --sso-region R] [--session-name N] [--force] [--json]',
    'awsorg login --mfa-serial ARN [--code 123456] [--duration 12h] [--json]',
  ],
  flags: {
    profile: {
      value: 'PROFILE',
      kind: 'aws-profile',
      description: 'the AWS config profile to sign in with',
      example: '--profile admin',
    },
    json,
    sso: { description: 'sign in with IAM Identity Center (device flow in the browser)' },
    'start-url': {
      value: 'URL',
      kind: 'text',
      description: 'the AWS access portal URL (with --sso)',
      example: '--start-url https://d-1234567890.awsapps.com/start',
    },
    'sso-region': {
      value: 'REGION',
      kind: 'region',
      description: 'the Identity Center region (with --start-url)',
      example: '--sso-region eu-west-1',
    },
    'session-name': {
      value: 'NAME',
      kind: 'text',
      description: 'the sso-session name written to the AWS config (with --sso)',
      example: '--session-name corp',
    },
    force: { description: 'sign in again even when the Identity Center session is still valid' },
    'mfa-serial': {
      value: 'ARN',
      kind: 'text',
      description: 'your MFA device, for an MFA session of your access keys',
      example: '--mfa-serial arn:aws:iam::123456789012:mfa/alice',
    },
    code: {
      value: 'CODE',
      kind: 'text',
      description: 'the 6-digit code the MFA device shows (asked for when left out)',
      example: '--code 123456',
    },
    duration: {
      value: 'DURATION',
      kind: ['1h', '4h', '8h', '12h', '24h', '36h'],
      description: 'how long the MFA session lasts, 15m to 36h',
      default: '12h',
      example: '--duration 8h',
    },
  },
  examples: [
    { command: 'awsorg login --sso --start-url https://d-1234567890.awsapps.com/start --sso-region eu-west-1' },
    { command: 'awsorg login --mfa-serial arn:aws:iam::123456789012:mfa/alice --code 123456' },
  ],
  learnMore: 'README.md, "Using it on a real organization"',
} as const satisfies CommandDecl;

export const whoami = {
  path: 'whoami',
  summary: 'show the caller identity and its place in an organization',
  group: 'Every day',
  usage: ['awsorg whoami [--json]'],
  flags: { json },
  examples: [{ command: 'awsorg whoami' }],
} as const satisfies CommandDecl;

export const accounts = {
  path: 'accounts',
  summary: "list the organization's accounts (cached inventory)",
  group: 'Every day',
  usage: ['awsorg accounts [--json] [--refresh]'],
  flags: {
    json,
    refresh: { description: 'reload the inventory from AWS instead of the cache' },
  },
  examples: [{ command: 'awsorg accounts' }, { command: 'awsorg accounts --refresh --json' }],
} as const satisfies CommandDecl;

const aliasSet = {
  path: 'alias set',
  summary: 'name an account',
  usage: ['awsorg alias set NAME ACCOUNT_ID [--force]'],
  positionals: [
    { name: 'NAME', kind: 'text', description: 'the alias: a letter, then letters, digits, dot, dash or underscore' },
    { name: 'ACCOUNT_ID', kind: 'account-id', description: 'the 12-digit account id' },
  ],
  flags: { force: { description: 'save the alias even when the account is not in the cached inventory' } },
  examples: [{ command: 'awsorg alias set prod 123456789012' }],
} as const satisfies CommandDecl;

const aliasList = {
  path: 'alias list',
  summary: 'list the aliases',
  usage: ['awsorg alias list [--json]'],
  flags: { json },
  examples: [{ command: 'awsorg alias list' }],
} as const satisfies CommandDecl;

const aliasRm = {
  path: 'alias rm',
  summary: 'remove an alias',
  usage: ['awsorg alias rm NAME'],
  positionals: [{ name: 'NAME', kind: 'alias', description: 'the alias to remove' }],
  flags: {},
  examples: [{ command: 'awsorg alias rm prod' }],
} as const satisfies CommandDecl;

export const alias = {
  path: 'alias',
  summary: 'name accounts: alias set NAME ID | alias list | alias rm NAME',
  group: 'Every day',
  usage: [...aliasSet.usage, ...aliasList.usage, ...aliasRm.usage],
  flags: {},
  subcommands: { set: aliasSet, list: aliasList, rm: aliasRm },
} as const satisfies CommandDecl;

export const assume = {
  path: 'assume',
  summary: "open a shell (or run a command) with an account's role credentials",
  group: 'Every day',
  description:
    'Production accounts (an OU named like prod, or tagged environment=production) ask first on a terminal and need --yes without one.',
  usage: [
    'awsorg assume TARGET [--role R] [--duration D] [--region R] [--yes] [--force] [--refresh]',
    'awsorg assume TARGET --exec -- CMD ARGS…',
    'awsorg assume TARGET --export [--format env|fish|powershell|json]',
    'awsorg assume TARGET --console [--url]',
  ],
  positionals: [target],
  passthrough: true,
  flags: {
    role,
    duration,
    region,
    exec: { description: 'run the command after -- with the credentials, instead of a shell' },
    export: { description: 'print the credentials for eval in your shell' },
    format: {
      value: 'FORMAT',
      choices: ['env', 'fish', 'powershell', 'json'],
      description: 'the --export format',
      default: 'env',
      example: '--format fish',
    },
    console: { description: 'open the AWS console in the account' },
    url: { description: 'print the --console sign-in URL instead of opening it' },
    yes,
    force: { description: 'open a nested session from inside an awsorg shell' },
    refresh: { description: 'reload the inventory and ignore cached credentials' },
  },
  examples: [
    { command: 'awsorg assume prod', comment: 'a shell in the account' },
    { command: 'awsorg assume 123456789012 --role ReadOnlyAccess --exec -- aws s3 ls' },
    { command: 'eval "$(awsorg assume sandbox --export)"' },
  ],
  learnMore: 'README.md, "Commands" (TARGET)',
} as const satisfies CommandDecl;

export const credentialProcess = {
  path: 'credential-process',
  summary: 'print credentials for credential_process in ~/.aws/config',
  group: 'Every day',
  description:
    'Prints temporary credentials for TARGET as the JSON document credential_process expects. Cached credentials are reused without a network call. It never prompts: an expired sign-in exits 4 naming the command to run.',
  usage: ['awsorg credential-process TARGET [--role R] [--duration D] [--region R]'],
  positionals: [target],
  flags: { role, duration, region },
  examples: [{ command: 'awsorg credential-process 123456789012 --role ReadOnlyAccess' }],
  learnMore: '`awsorg config generate --help`, which writes profiles that run it',
} as const satisfies CommandDecl;

const configGenerate = {
  path: 'config generate',
  summary: 'write one ~/.aws/config profile per account',
  description: [
    'Writes one profile per active account into the AWS config file (AWS_CONFIG_FILE, else ~/.aws/config), inside a block between "# >>> awsorg managed profiles" and "# <<< awsorg managed profiles" markers; nothing outside the block changes.',
    'Profile names are the prefix + the alias or name in lowercase with hyphens ("Sandbox Alice" -> awsorg-sandbox-alice); colliding names get the account id appended, and an account with several Identity Center roles gets one profile per role.',
    "Each profile runs `awsorg credential-process ACCOUNT_ID --role ROLE`, through the awsorg on PATH when that is this installation, else through this installation's own file. Production accounts are not confirmed as in `awsorg assume`; their profiles carry a PRODUCTION comment. A name already used by one of your own profiles is skipped with a warning.",
  ].join('\n\n'),
  usage: ['awsorg config generate [--prefix P] [--prune] [--dry-run] [--region R] [--refresh] [--json]'],
  flags: {
    prefix: {
      value: 'PREFIX',
      kind: 'text',
      description: "profile names are PREFIX + the account's alias or name",
      default: 'awsorg-',
      example: '--prefix org-',
    },
    prune: { description: "remove awsorg's profiles for accounts no longer in the inventory" },
    'dry-run': { description: 'print a diff of the change and write nothing' },
    region: { ...region, description: "the profiles' region" },
    refresh: { description: 'reload the account inventory first' },
    json,
  },
  examples: [{ command: 'awsorg config generate --dry-run' }, { command: 'awsorg config generate --prefix org-' }],
} as const satisfies CommandDecl;

const configRemove = {
  path: 'config remove',
  summary: "delete awsorg's block of profiles from ~/.aws/config",
  description:
    'Deletes the marked block and every profile in it (for an uninstall); nothing outside it changes and no AWS call is made.',
  usage: ['awsorg config remove [--dry-run] [--json]'],
  flags: { 'dry-run': { description: 'print the diff and write nothing' }, json },
  examples: [{ command: 'awsorg config remove' }],
} as const satisfies CommandDecl;

export const config = {
  path: 'config',
  summary: 'config generate | remove: one ~/.aws/config profile per account, or remove them',
  group: 'Every day',
  usage: [...configGenerate.usage, ...configRemove.usage],
  flags: {},
  subcommands: { generate: configGenerate, remove: configRemove },
} as const satisfies CommandDecl;

export const consoleCommand = {
  path: 'console',
  summary: 'full-screen console over every account',
  group: 'Every day',
  usage: ['awsorg console'],
  flags: {},
  examples: [{ command: 'awsorg console' }],
} as const satisfies CommandDecl;

export const completion = {
  path: 'completion',
  summary: 'print shell completion for bash, zsh or fish',
  group: 'Every day',
  description:
    'Load it from your shell start-up file. Account names, aliases and ids come from the cached inventory (`awsorg accounts --refresh` updates it); completing never signs in or calls AWS.',
  usage: ['awsorg completion bash|zsh|fish'],
  positionals: [{ name: 'SHELL', kind: ['bash', 'zsh', 'fish'], description: 'bash, zsh or fish' }],
  flags: {},
  examples: [
    { command: 'source <(awsorg completion bash)', comment: 'in ~/.bashrc' },
    { command: 'source <(awsorg completion zsh)', comment: 'in ~/.zshrc, after compinit' },
    { command: 'awsorg completion fish > ~/.config/fish/completions/awsorg.fish' },
  ],
} as const satisfies CommandDecl;

export const version = {
  path: 'version',
  summary: 'print the version of awsorg (also --version, -V)',
  group: 'Every day',
  usage: ['awsorg version [--json]'],
  flags: { json },
  examples: [{ command: 'awsorg version' }],
} as const satisfies CommandDecl;

const runbookList = {
  path: 'runbook list',
  summary: 'list the runbooks',
  usage: ['awsorg runbook list [--json] [--runbooks DIR]'],
  flags: { json, runbooks },
  examples: [{ command: 'awsorg runbook list' }],
} as const satisfies CommandDecl;

const runbookId = {
  name: 'ID',
  kind: 'runbook-id',
  description: 'the runbook id (see `awsorg runbook list`)',
} as const;

const runbookShow = {
  path: 'runbook show',
  summary: 'show what a runbook does, its parameters and steps',
  usage: ['awsorg runbook show ID [--json] [--runbooks DIR]'],
  positionals: [runbookId],
  flags: { json, runbooks },
  examples: [{ command: 'awsorg runbook show quarantine-account' }],
} as const satisfies CommandDecl;

const runbookRun = {
  path: 'runbook run',
  summary: 'run a runbook for an incident',
  description:
    'On a terminal, opens the runbook screen; without one it needs --yes (or --dry-run). Every run appends to the incident audit transcript.',
  usage: [
    'awsorg runbook run ID --incident INC [--account T] [--PARAM VALUE…] [--dry-run] [--yes] [--note TEXT] [--json] [--rehearse] [--runbooks DIR]',
  ],
  positionals: [runbookId],
  extraFlags: { usage: '--PARAM VALUE', description: "the runbook's own parameters (see `awsorg runbook show ID`)" },
  flags: {
    incident: {
      value: 'INC',
      kind: 'text',
      description: 'the incident id, recorded in the transcript and as RoleSessionName',
      example: '--incident INC-42',
    },
    account: { value: 'TARGET', kind: 'target', description: 'the account to act on', example: '--account prod' },
    'dry-run': dryRun,
    yes,
    note: {
      value: 'TEXT',
      kind: 'text',
      description: 'a note recorded with steps acknowledged by --yes',
      example: '--note "paged by on-call"',
    },
    json,
    rehearse: { description: 'rehearse against a local emulator; AWS is not touched' },
    runbooks,
  },
  examples: [
    { command: 'awsorg runbook run quarantine-account --incident INC-42 --account sandbox --dry-run' },
    { command: 'awsorg runbook run quarantine-account --incident GAMEDAY-1 --rehearse' },
  ],
} as const satisfies CommandDecl;

const runbookRollback = {
  path: 'runbook rollback',
  summary: "undo an incident's runbook steps",
  usage: ['awsorg runbook rollback INC [--dry-run] [--yes] [--json] [--runbooks DIR]'],
  positionals: [{ name: 'INC', kind: 'text', description: 'the incident id of the run' }],
  flags: {
    incident: {
      value: 'INC',
      kind: 'text',
      description: 'the incident id, when not given as INC',
      example: '--incident INC-42',
    },
    'dry-run': dryRun,
    yes,
    json,
    runbooks,
  },
  examples: [{ command: 'awsorg runbook rollback INC-42 --dry-run' }],
} as const satisfies CommandDecl;

export const runbook = {
  path: 'runbook',
  summary: 'incident runbooks: runbook list | show ID | run ID --incident INC | rollback INC',
  group: 'Incidents',
  usage: [...runbookList.usage, ...runbookShow.usage, ...runbookRun.usage, ...runbookRollback.usage],
  flags: {},
  subcommands: { list: runbookList, show: runbookShow, run: runbookRun, rollback: runbookRollback },
  learnMore: 'README.md, "Commands" (Runbooks)',
} as const satisfies CommandDecl;

const auditVerify = {
  path: 'audit verify',
  summary: 'verify the hash chain of incident audit transcripts',
  usage: ['awsorg audit verify [FILE] [--head HASH] [--reanchor] [--json]'],
  positionals: [
    { name: 'FILE', kind: 'file', optional: true, description: 'a transcript; without it, every transcript' },
  ],
  flags: {
    head: {
      value: 'HASH',
      kind: 'text',
      description: 'the head hash printed at the end of the run (catches a cut at the end)',
      example: '--head 3f2a…(64 hex digits)',
    },
    reanchor: { description: 'acknowledge a missing anchor: record it in the chain and write a new one' },
    json,
  },
  examples: [{ command: 'awsorg audit verify' }],
} as const satisfies CommandDecl;

export const audit = {
  path: 'audit',
  summary: 'verify an incident audit transcript: audit verify [FILE]',
  group: 'Incidents',
  usage: auditVerify.usage,
  flags: {},
  subcommands: { verify: auditVerify },
} as const satisfies CommandDecl;

export const complete = {
  path: '__complete',
  summary: 'candidates for the shell completion scripts',
  hidden: true,
  usage: ['awsorg __complete bash|zsh|fish|plain CWORD WORD…'],
  flags: {},
} as const satisfies CommandDecl;

const blueprintSchema = {
  path: 'blueprint schema',
  summary: "print awsorg.yaml's JSON Schema",
  description:
    "Prints the JSON Schema of awsorg.yaml. Editors with the YAML language server (VS Code's YAML extension) use it to check and complete the file. Every blueprint awsorg writes starts with a `# yaml-language-server: $schema=https://unpkg.com/awsorg@<version>/schema/blueprint.schema.json` line; offline, save the schema next to the blueprint and point that line at the file.",
  usage: ['awsorg blueprint schema'],
  flags: {},
  examples: [
    {
      command: 'awsorg blueprint schema > awsorg.schema.json',
      comment: 'then: # yaml-language-server: $schema=./awsorg.schema.json',
    },
  ],
} as const satisfies CommandDecl;

export const blueprint = {
  path: 'blueprint',
  summary: "print awsorg.yaml's JSON Schema for editor checks and completion (schema)",
  group: 'First day',
  usage: blueprintSchema.usage,
  flags: {},
  subcommands: { schema: blueprintSchema },
} as const satisfies CommandDecl;

/** Every command, in the order the top-level help lists them within a group. */
export const DECLARATIONS: Readonly<Record<string, CommandDecl>> = {
  bootstrap,
  state,
  blueprint,
  login,
  whoami,
  accounts,
  alias,
  assume,
  'credential-process': credentialProcess,
  config,
  completion,
  console: consoleCommand,
  version,
  runbook,
  audit,
  __complete: complete,
};
