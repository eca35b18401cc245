/**
 * `npm run bench`: the performance targets for `awsorg bootstrap`, measured in one run against
 * one moto_server:
 *
 * 1. A bootstrap of the `standard` preset without the Terraform part (`terraform.handoff: false`,
 *    so no code is written and no state moves) on a fresh moto takes at most 0.30x the time of
 *    bench/bootstrap-awscli.sh, a bash script that makes the same AWS calls with the AWS CLI.
 * 2. The same bootstrap with the hand-off (the preset as it is: code written, 38 imports with
 *    real terraform and the hashicorp/aws provider from the mirror, state moved into the bucket,
 *    `plan -detailed-exitcode` to verify) takes at most 0.60x the time of the same script run.
 *    The time in the Terraform steps (terraform-handoff + migrate-state + handoff-verify, from
 *    the `--json` steps' elapsedMs) is reported separately.
 * 3. `bootstrap --plan` on the converged organization (without the hand-off) takes at most 2 s.
 *
 * Each round: reset moto -> time `awsorg bootstrap --config <preset, handoff: false> --yes --json`
 * -> check what it built -> time `--plan` on it (must exit 0: converged) -> reset moto -> time
 * `awsorg bootstrap --preset standard --omit-tls-deny --yes --json` (the hand-off; moto serves
 * plain HTTP and enforces the TLS-only statement, which the state move would trip over) -> check
 * -> reset moto -> time `bash bench/bootstrap-awscli.sh` -> check that it built the same.
 * `node -e 0` and one `aws sts get-caller-identity` are timed as floors. Medians across rounds
 * decide PASS/FAIL; the exit code is 1 when a target fails or a run did not do its job.
 * terraform runs offline: TF_CLI_CONFIG_FILE points at the provider mirror (isolatedEnv).
 *
 * Usage: node dist/bench/bootstrap.bench.js [--rounds N] [--warmup N] [--compare-calls]
 *   --warmup N       untimed awsorg bootstrap + --plan runs and one `aws` call first (default 1), so
 *                    that neither side is timed with a cold disk cache or a cold moto
 *   --compare-calls  one more, untimed, pass of each through the recording proxy
 *                    (test/fixtures/aws-proxy.ts), listing any API action whose count differs.
 * The last line of stdout is the result as JSON. Nothing is written to the repository.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import {
  ListAccountsCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import { GetBucketPolicyCommand, GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { isWriteAction } from '../src/aws/session.js';
import { loadedFromBlueprint } from '../src/core/blueprint-load.js';
import { blueprintYaml, preset } from '../src/core/presets.js';
import { guardrailPolicies, minifyPolicy } from '../src/policies/guardrail-policies.js';
import { startAwsProxy } from '../test/fixtures/aws-proxy.js';
import { clientsFor, memberClients } from '../test/helpers/aws.js';
import { CLI, isolatedEnv, REPO_ROOT } from '../test/helpers/cli.js';
import { startMoto, type Moto } from '../test/helpers/moto.js';

const PRESET = 'standard';
const RATIO_TARGET = 0.3;
const HANDOFF_RATIO_TARGET = 0.6;
const TERRAFORM_STEPS = ['terraform-handoff', 'migrate-state', 'handoff-verify'];
const HANDOFF_FLAGS = ['--preset', PRESET, '--allow-placeholders', '--omit-tls-deny'];
const PLAN_TARGET_S = 2.0;
const SCRIPT = join(REPO_ROOT, 'bench', 'bootstrap-awscli.sh');

// The SDK clients this file creates (for the checks) would warn about Node 20 on stderr; the CLI
// silences the same warning for itself.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// ---------------------------------------------------------------------------------------------
// Running and timing a child process

interface Timed {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  stdout: string;
  stderr: string;
  /** `[step] ok` lines on stderr: step -> seconds since the previous one (the first since spawn). */
  phases: Map<string, number>;
}

const PHASE_LINE = /^\[([\w-]+)\] ok\b/;

async function timed(
  command: string,
  args: string[],
  opts: { env: Record<string, string>; cwd: string; timeoutMs: number },
): Promise<Timed> {
  const started = performance.now();
  const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let lastPhaseEnd = 0;
  const phases = new Map<string, number>();
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => {
    const now = (performance.now() - started) / 1000;
    stderr += String(d);
    const lines = (partial + String(d)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = PHASE_LINE.exec(line);
      if (!m) continue;
      phases.set(m[1]!, now - lastPhaseEnd);
      lastPhaseEnd = now;
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  return { code, signal, seconds: (performance.now() - started) / 1000, stdout, stderr, phases };
}

function mustSucceed(what: string, run: Timed, expectedCode = 0): Timed {
  if (run.code !== expectedCode) {
    throw new Error(
      `${what} exited ${run.code ?? run.signal} (expected ${expectedCode}) after ${run.seconds.toFixed(1)} s\n--- stderr (tail) ---\n${run.stderr.slice(-3000)}`,
    );
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// The AWS CLI the baseline uses

/**
 * The real `aws` executable. A pyenv shim is a bash script that runs `pyenv exec` on every call
 * (about 0.1-0.2 s each); an operator's script pays that too, but it is not the AWS CLI's cost,
 * so the baseline calls the real executable.
 */
function resolveAwsCli(): { path: string; viaShim: boolean } {
  const found = spawnSync('bash', ['-c', 'command -v aws'], { encoding: 'utf8' });
  const onPath = found.stdout.trim();
  if (found.status !== 0 || !onPath) throw new Error('The AWS CLI (`aws`) is not on PATH; the baseline needs it.');
  if (!onPath.includes('/shims/')) return { path: onPath, viaShim: false };
  const real = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
  return real.status === 0 && real.stdout.trim()
    ? { path: real.stdout.trim(), viaShim: true }
    : { path: onPath, viaShim: false };
}

// ---------------------------------------------------------------------------------------------
// What a bootstrap must leave behind (the same check for awsorg and the script)

interface Inventory {
  accounts: number;
  accountsInTheirOu: number;
  ous: number;
  trustedServices: number;
  scps: number;
  scpAttachments: number;
  stateBucketVersioned: boolean;
  stateBucketPolicy: boolean;
  lockTablePitr: boolean;
  oidcProviders: number;
  deployRole: boolean;
  trailBucketPolicy: boolean;
  trailLogging: boolean;
}

function expectedInventory(): Inventory {
  const blueprint = preset(PRESET);
  const policies = guardrailPolicies(
    loadedFromBlueprint(blueprint, tmpdir(), 'the bench', { allowPlaceholders: true }),
  );
  return {
    accounts: blueprint.accounts.length,
    accountsInTheirOu: blueprint.accounts.length,
    ous: blueprint.organizationalUnits.length,
    trustedServices: blueprint.organization.trustedServices.length,
    scps: policies.length,
    scpAttachments: policies.reduce((n, p) => n + p.targets.length, 0),
    stateBucketVersioned: true,
    stateBucketPolicy: true,
    lockTablePitr: true,
    oidcProviders: 1,
    deployRole: true,
    trailBucketPolicy: true,
    trailLogging: true,
  };
}

async function ok(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch {
    return false;
  }
}

async function inventory(endpoint: string): Promise<Inventory> {
  const blueprint = preset(PRESET);
  const aws = clientsFor(endpoint);
  try {
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    const ous =
      (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root })))
        .OrganizationalUnits ?? [];
    const ouIdByName = new Map(ous.map((o) => [o.Name, o.Id]));
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
    let accountsInTheirOu = 0;
    let logArchiveId: string | undefined;
    for (const wanted of blueprint.accounts) {
      const account = accounts.find((a) => a.Email?.toLowerCase() === wanted.email.toLowerCase());
      if (!account?.Id) continue;
      if (wanted.name === blueprint.organizationTrail?.account) logArchiveId = account.Id;
      const parent = (await aws.organizations.send(new ListParentsCommand({ ChildId: account.Id }))).Parents?.[0]?.Id;
      if (parent && parent === ouIdByName.get(wanted.ou)) accountsInTheirOu++;
    }
    const trusted =
      (await aws.organizations.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ?? [];
    const scps = (
      (await aws.organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies ?? []
    ).filter((p) => p.Name?.startsWith('awsorg-'));
    let scpAttachments = 0;
    for (const scp of scps)
      scpAttachments += (
        (await aws.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: scp.Id! }))).Targets ?? []
      ).length;
    const stateBucket = blueprint.stateBackend!.bucket;
    const versioning = await aws.s3
      .send(new GetBucketVersioningCommand({ Bucket: stateBucket }))
      .catch(() => undefined);
    const pitr = await aws.dynamodb
      .send(new DescribeContinuousBackupsCommand({ TableName: blueprint.stateBackend!.table! }))
      .catch(() => undefined);
    const providers = (await aws.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
    const trail = await aws.cloudtrail
      .send(new GetTrailStatusCommand({ Name: blueprint.organizationTrail!.name }))
      .catch(() => undefined);
    let trailBucketPolicy = false;
    if (logArchiveId) {
      const member = await memberClients(endpoint, logArchiveId);
      trailBucketPolicy = await ok(() =>
        member.s3.send(new GetBucketPolicyCommand({ Bucket: blueprint.organizationTrail!.bucket })),
      );
      for (const client of Object.values(member)) client.destroy();
    }
    return {
      accounts: accounts.length - 1,
      accountsInTheirOu,
      ous: ous.length,
      trustedServices: trusted.length,
      scps: scps.length,
      scpAttachments,
      stateBucketVersioned: versioning?.Status === 'Enabled',
      stateBucketPolicy: await ok(() => aws.s3.send(new GetBucketPolicyCommand({ Bucket: stateBucket }))),
      lockTablePitr:
        pitr?.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
      oidcProviders: providers.length,
      deployRole: await ok(() => aws.iam.send(new GetRoleCommand({ RoleName: blueprint.ciOidc!.roleName }))),
      trailBucketPolicy,
      trailLogging: trail?.IsLogging === true,
    };
  } finally {
    for (const client of Object.values(aws)) client.destroy();
  }
}

function checkInventory(who: string, got: Inventory, want: Inventory): void {
  const wrong = (Object.keys(want) as Array<keyof Inventory>).filter((k) => got[k] !== want[k]);
  if (wrong.length) {
    throw new Error(
      `${who} did not build the ${PRESET} organization: ${wrong.map((k) => `${k} = ${String(got[k])} (want ${String(want[k])})`).join(', ')}`,
    );
  }
}

/** The preset as a blueprint file with `terraform.handoff: false`: the bootstrap without Terraform. */
function writeNoHandoffBlueprint(dir: string): string {
  const blueprint = preset(PRESET);
  if (!blueprint.terraform) throw new Error(`the ${PRESET} preset has no terraform section`);
  blueprint.terraform.handoff = false;
  const file = join(dir, 'awsorg.yaml');
  writeFileSync(
    file,
    blueprintYaml(blueprint, [` The ${PRESET} preset without the hand-off to Terraform (npm run bench).`]),
  );
  return file;
}

interface BootstrapJson {
  status: string;
  calls: CallStats;
  steps: Array<{ id: string; applied: unknown[]; elapsedMs?: number }>;
}

/** The Terraform steps' seconds from a `bootstrap --json` result; each must have run. */
function terraformSeconds(result: BootstrapJson): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of TERRAFORM_STEPS) {
    const step = result.steps.find((s) => s.id === id);
    if (!step || typeof step.elapsedMs !== 'number')
      throw new Error(`the hand-off run reported no ${id} step with elapsedMs`);
    out.set(id, step.elapsedMs / 1000);
  }
  const handoff = result.steps.find((s) => s.id === 'terraform-handoff')!;
  if (handoff.applied.length !== 1)
    throw new Error(
      `the hand-off run applied ${handoff.applied.length} terraform-handoff changes (want 1: write, import)`,
    );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs for the script: the SCPs exactly as awsorg generates them

function writeGuardrails(dir: string): void {
  const policies = guardrailPolicies(
    loadedFromBlueprint(preset(PRESET), dir, 'the bench', { allowPlaceholders: true }),
  );
  const lines = policies.map((p) => {
    for (const field of [p.name, p.guardrail, ...p.targets, p.description]) {
      if (/[\t\n,]/.test(field))
        throw new Error(`guardrail field ${JSON.stringify(field)} cannot go into guardrails.tsv`);
    }
    writeFileSync(join(dir, `${p.name}.json`), minifyPolicy(p.document));
    return [p.name, p.guardrail, p.targets.join(','), p.description].join('\t');
  });
  writeFileSync(join(dir, 'guardrails.tsv'), lines.join('\n') + '\n');
}

/** `organizations create-account` -> CreateAccount, as the SDK and the proxy name actions. */
function cliOperationToAction(operation: string): string {
  return operation
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
    .replace(/^ListAwsServiceAccessForOrganization$/, 'ListAWSServiceAccessForOrganization')
    .replace(/^EnableAwsServiceAccess$/, 'EnableAWSServiceAccess')
    .replace(/OpenIdConnect/, 'OpenIDConnect');
}

function readCallLog(file: string): { total: number; reads: number; writes: number; actions: string[] } {
  const actions = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [service = '', operation = ''] = line.split(' ');
      return `${service === 's3api' ? 's3' : service}:${cliOperationToAction(operation)}`;
    });
  const writes = actions.filter((a) => isWriteAction(a.split(':')[1] ?? '')).length;
  return { total: actions.length, reads: actions.length - writes, writes, actions };
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (s: number | undefined, digits = 2) => (s === undefined ? '-' : `${s.toFixed(digits)} s`);

interface CallStats {
  reads: number;
  writes: number;
  retries: number;
}

interface Round {
  nodeFloor: number;
  awsCliFloor: number;
  awsorg: Timed;
  awsorgCalls: CallStats;
  handoff: Timed;
  handoffCalls: CallStats;
  /** Seconds in the Terraform steps of the hand-off run, by step id. */
  terraformSteps: Map<string, number>;
  plan: Timed;
  planCalls: CallStats;
  awscli: Timed;
  awscliCalls: ReturnType<typeof readCallLog>;
}

function table(rows: Array<[string, number[]]>, rounds: number): string {
  const header = ['', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`), 'median'];
  const body = rows.map(([label, values]) => [label, ...values.map((v) => fmt(v)), fmt(median(values))]);
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '))
    .join('\n');
}

function phaseTable(rounds: Round[]): string {
  const steps = [...new Set([...rounds[0]!.awsorg.phases.keys(), ...rounds[0]!.awscli.phases.keys()])];
  const rows = steps.map((step) => {
    const a = median(rounds.map((r) => r.awsorg.phases.get(step) ?? 0));
    const b = median(rounds.map((r) => r.awscli.phases.get(step) ?? 0));
    return [step, fmt(a), fmt(b), b >= 0.05 ? (a / b).toFixed(3) : '-'];
  });
  const all = [['step (median; time until its "[step] ok" line)', 'awsorg', 'awscli', 'ratio'], ...rows];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------

async function compareCalls(
  moto: Moto,
  awsorgEnv: Record<string, string>,
  scriptEnv: Record<string, string>,
  work: string,
  guardrailDir: string,
): Promise<string[]> {
  const proxy = await startAwsProxy({ target: moto.endpoint });
  try {
    const count = (actions: string[]) =>
      actions.reduce((m, a) => m.set(a, (m.get(a) ?? 0) + 1), new Map<string, number>());
    await moto.reset();
    const cwd = mkdtempSync(join(work, 'compare-awsorg-'));
    mustSucceed(
      'awsorg bootstrap (through the proxy)',
      await timed(
        process.execPath,
        [CLI, 'bootstrap', '--config', writeNoHandoffBlueprint(cwd), '--allow-placeholders', '--yes', '--json'],
        { env: { ...awsorgEnv, AWS_ENDPOINT_URL: proxy.endpoint }, cwd, timeoutMs: 300_000 },
      ),
    );
    const ours = count(proxy.requests.map((r) => `${r.service}:${r.action}`));
    proxy.clearRecords();
    await moto.reset();
    const log = join(work, 'compare-calls.log');
    mustSucceed(
      'bootstrap-awscli.sh (through the proxy)',
      await timed('bash', [SCRIPT, guardrailDir], {
        env: { ...scriptEnv, AWS_ENDPOINT_URL: proxy.endpoint, AWSCLI_CALL_LOG: log },
        cwd: work,
        timeoutMs: 900_000,
      }),
    );
    const theirs = count(proxy.requests.map((r) => `${r.service}:${r.action}`));
    const lines = [
      `HTTP requests seen by the proxy: awsorg ${[...ours.values()].reduce((a, b) => a + b, 0)}, awscli ${[...theirs.values()].reduce((a, b) => a + b, 0)}`,
    ];
    const actions = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
    const differing = actions.filter((a) => ours.get(a) !== theirs.get(a));
    lines.push(
      differing.length
        ? `  actions whose counts differ: ${differing.map((a) => `${a} awsorg ${ours.get(a) ?? 0} / awscli ${theirs.get(a) ?? 0}`).join('; ')}`
        : `  the same ${actions.length} API actions, each the same number of times`,
    );
    return lines;
  } finally {
    await proxy.stop();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      'compare-calls': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('Usage: node dist/bench/bootstrap.bench.js [--rounds N] [--warmup N] [--compare-calls]\n');
    return 0;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
  const warmups = Number(values.warmup);
  if (!Number.isInteger(warmups) || warmups < 0)
    throw new Error(`--warmup must be a whole number, not ${values.warmup}`);

  const awsCli = resolveAwsCli();
  const work = mkdtempSync(join(tmpdir(), 'awsorg-bench-'));
  const guardrailDir = mkdtempSync(join(work, 'guardrails-'));
  writeGuardrails(guardrailDir);
  const want = expectedInventory();

  const moto = await startMoto();
  const stop = () => void moto.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const homes: string[] = [];
  const env = () => {
    const e = isolatedEnv(moto.env);
    homes.push(e.HOME!);
    return e;
  };
  const awsorgEnv = env();
  const scriptEnv = { ...env(), PATH: `${dirname(awsCli.path)}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `bench: moto_server at ${moto.endpoint}; AWS CLI ${awsCli.path}${awsCli.viaShim ? ' (resolved past the pyenv shim)' : ''}; ${rounds} round(s)`,
  );

  const results: Round[] = [];
  let compare: string[] = [];
  try {
    for (let i = 1; i <= warmups; i++) {
      log(`warm-up ${i}: awsorg bootstrap --yes (no hand-off) and --plan, aws sts get-caller-identity (untimed)`);
      await moto.reset();
      const cwd = mkdtempSync(join(work, `warmup${i}-`));
      const config = writeNoHandoffBlueprint(cwd);
      mustSucceed(
        'warm-up awsorg bootstrap --yes',
        await timed(
          process.execPath,
          [CLI, 'bootstrap', '--config', config, '--allow-placeholders', '--yes', '--json'],
          { env: awsorgEnv, cwd, timeoutMs: 300_000 },
        ),
      );
      mustSucceed(
        'warm-up awsorg bootstrap --plan',
        await timed(process.execPath, [CLI, 'bootstrap', '--config', config, '--allow-placeholders', '--plan'], {
          env: awsorgEnv,
          cwd,
          timeoutMs: 120_000,
        }),
      );
      log(`warm-up ${i}: awsorg bootstrap with the hand-off (untimed)`);
      await moto.reset();
      mustSucceed(
        'warm-up awsorg bootstrap with the hand-off',
        await timed(process.execPath, [CLI, 'bootstrap', ...HANDOFF_FLAGS, '--yes', '--json'], {
          env: awsorgEnv,
          cwd: mkdtempSync(join(work, `warmup${i}-handoff-`)),
          timeoutMs: 900_000,
        }),
      );
      mustSucceed(
        'warm-up aws sts get-caller-identity',
        await timed(awsCli.path, ['sts', 'get-caller-identity'], { env: scriptEnv, cwd: work, timeoutMs: 60_000 }),
      );
    }
    for (let i = 1; i <= rounds; i++) {
      const nodeFloor = mustSucceed(
        'node -e 0',
        await timed(process.execPath, ['-e', '0'], { env: awsorgEnv, cwd: work, timeoutMs: 30_000 }),
      ).seconds;

      await moto.reset();
      const cwd = mkdtempSync(join(work, `round${i}-`));
      const config = writeNoHandoffBlueprint(cwd);
      log(`round ${i}: awsorg bootstrap --config <${PRESET}, handoff: false> --yes --json`);
      const awsorg = mustSucceed(
        'awsorg bootstrap --yes',
        await timed(
          process.execPath,
          [CLI, 'bootstrap', '--config', config, '--allow-placeholders', '--yes', '--json'],
          { env: awsorgEnv, cwd, timeoutMs: 300_000 },
        ),
      );
      const applied = JSON.parse(awsorg.stdout) as BootstrapJson;
      if (applied.status !== 'converged') throw new Error(`awsorg bootstrap reported status ${applied.status}`);
      checkInventory('awsorg bootstrap', await inventory(moto.endpoint), want);

      log(`round ${i}: awsorg bootstrap --config <${PRESET}, handoff: false> --plan (converged organization)`);
      const plan = mustSucceed(
        'awsorg bootstrap --plan on the converged organization',
        await timed(process.execPath, [CLI, 'bootstrap', '--config', config, '--allow-placeholders', '--plan'], {
          env: awsorgEnv,
          cwd,
          timeoutMs: 120_000,
        }),
      );
      // Untimed: the same plan as JSON, for its call counts and to confirm it found nothing to do.
      const planJson = JSON.parse(
        mustSucceed(
          'awsorg bootstrap --plan --json',
          await timed(
            process.execPath,
            [CLI, 'bootstrap', '--config', config, '--allow-placeholders', '--plan', '--json'],
            { env: awsorgEnv, cwd, timeoutMs: 120_000 },
          ),
        ).stdout,
      ) as { status: string; changes: number; calls: CallStats };
      if (planJson.status !== 'converged' || planJson.calls.writes !== 0)
        throw new Error(
          `--plan after apply: status ${planJson.status}, ${planJson.changes} changes, ${planJson.calls.writes} writes`,
        );

      await moto.reset();
      log(
        `round ${i}: awsorg bootstrap --preset ${PRESET} --omit-tls-deny --yes --json (with the hand-off to Terraform)`,
      );
      const handoff = mustSucceed(
        'awsorg bootstrap with the hand-off',
        await timed(process.execPath, [CLI, 'bootstrap', ...HANDOFF_FLAGS, '--yes', '--json'], {
          env: awsorgEnv,
          cwd: mkdtempSync(join(work, `round${i}-handoff-`)),
          timeoutMs: 900_000,
        }),
      );
      const handedOff = JSON.parse(handoff.stdout) as BootstrapJson;
      if (handedOff.status !== 'converged')
        throw new Error(`awsorg bootstrap with the hand-off reported status ${handedOff.status}`);
      const terraformSteps = terraformSeconds(handedOff);
      // --omit-tls-deny leaves out the state bucket's only statement, so that bucket has no policy.
      checkInventory('awsorg bootstrap with the hand-off', await inventory(moto.endpoint), {
        ...want,
        stateBucketPolicy: false,
      });

      await moto.reset();
      const awsCliFloor = mustSucceed(
        'aws sts get-caller-identity',
        await timed(awsCli.path, ['sts', 'get-caller-identity'], { env: scriptEnv, cwd: work, timeoutMs: 60_000 }),
      ).seconds;
      log(`round ${i}: bash bench/bootstrap-awscli.sh`);
      const callLog = join(work, `round${i}-awscli-calls.log`);
      const awscli = mustSucceed(
        'bench/bootstrap-awscli.sh',
        await timed('bash', [SCRIPT, guardrailDir], {
          env: { ...scriptEnv, AWSCLI_CALL_LOG: callLog },
          cwd: work,
          timeoutMs: 900_000,
        }),
      );
      checkInventory('bench/bootstrap-awscli.sh', await inventory(moto.endpoint), want);

      const round: Round = {
        nodeFloor,
        awsCliFloor,
        awsorg,
        awsorgCalls: applied.calls,
        handoff,
        handoffCalls: handedOff.calls,
        terraformSteps,
        plan,
        planCalls: planJson.calls,
        awscli,
        awscliCalls: readCallLog(callLog),
      };
      results.push(round);
      const tfS = [...terraformSteps.values()].reduce((a, b) => a + b, 0);
      log(
        `round ${i}: awsorg ${fmt(awsorg.seconds)}, --plan ${fmt(plan.seconds)}, with hand-off ${fmt(handoff.seconds)} (Terraform steps ${fmt(tfS)}), awscli ${fmt(awscli.seconds)} (ratios ${(awsorg.seconds / awscli.seconds).toFixed(3)}, ${(handoff.seconds / awscli.seconds).toFixed(3)})`,
      );
    }
    if (values['compare-calls']) {
      log('compare-calls: one more run of each through the recording proxy (untimed)');
      compare = await compareCalls(moto, awsorgEnv, scriptEnv, work, guardrailDir);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await moto.stop();
    for (const dir of [work, ...homes]) rmSync(dir, { recursive: true, force: true });
  }

  const m = (pick: (r: Round) => number) => median(results.map(pick));
  const awsorgS = m((r) => r.awsorg.seconds);
  const awscliS = m((r) => r.awscli.seconds);
  const planS = m((r) => r.plan.seconds);
  const ratio = awsorgS / awscliS;
  const ratioPass = ratio <= RATIO_TARGET;
  const handoffS = m((r) => r.handoff.seconds);
  const handoffRatio = handoffS / awscliS;
  const handoffPass = handoffRatio <= HANDOFF_RATIO_TARGET;
  const tfSum = (r: Round) => [...r.terraformSteps.values()].reduce((a, b) => a + b, 0);
  const terraformS = m(tfSum);
  const terraformByStep = Object.fromEntries(
    TERRAFORM_STEPS.map((id) => [id, m((r) => r.terraformSteps.get(id) ?? 0)]),
  );
  const planPass = planS <= PLAN_TARGET_S;
  const first = results[0]!;
  const sumCalls = (c: CallStats) => c.reads + c.writes;

  const out: string[] = [];
  out.push(
    `awsorg bootstrap benchmark: the ${PRESET} preset on a fresh moto_server, ${rounds} round(s) after ${warmups} warm-up(s)`,
  );
  out.push('');
  out.push(
    table(
      [
        ['node -e 0 (process floor)', results.map((r) => r.nodeFloor)],
        ['aws sts get-caller-identity (one CLI call)', results.map((r) => r.awsCliFloor)],
        [`awsorg bootstrap (${PRESET}, handoff: false) --yes`, results.map((r) => r.awsorg.seconds)],
        [`awsorg bootstrap (${PRESET}, handoff: false) --plan (converged)`, results.map((r) => r.plan.seconds)],
        [`awsorg bootstrap --preset ${PRESET} --yes (with the hand-off)`, results.map((r) => r.handoff.seconds)],
        ...TERRAFORM_STEPS.map((id): [string, number[]] => [
          `  of which ${id}`,
          results.map((r) => r.terraformSteps.get(id) ?? 0),
        ]),
        ['  of which Terraform, total', results.map(tfSum)],
        ['bash bench/bootstrap-awscli.sh', results.map((r) => r.awscli.seconds)],
      ],
      rounds,
    ),
  );
  out.push('');
  out.push('AWS calls (round 1):');
  out.push(
    `  awsorg bootstrap --yes:    ${sumCalls(first.awsorgCalls)} (${first.awsorgCalls.reads} reads, ${first.awsorgCalls.writes} writes, ${first.awsorgCalls.retries} retries)`,
  );
  out.push(
    `  awsorg with the hand-off: ${sumCalls(first.handoffCalls)} SDK calls (${first.handoffCalls.reads} reads, ${first.handoffCalls.writes} writes), plus terraform's own`,
  );
  out.push(
    `  awsorg bootstrap --plan:   ${sumCalls(first.planCalls)} (${first.planCalls.reads} reads, ${first.planCalls.writes} writes)`,
  );
  out.push(
    `  bench/bootstrap-awscli.sh: ${first.awscliCalls.total} aws CLI invocations (${first.awscliCalls.reads} reads, ${first.awscliCalls.writes} writes)`,
  );
  out.push(
    `  seconds per call: awsorg ${(awsorgS / sumCalls(first.awsorgCalls)).toFixed(3)}, awscli ${(awscliS / first.awscliCalls.total).toFixed(3)}`,
  );
  for (const line of compare) out.push(`  ${line}`);
  out.push('');
  out.push(phaseTable(results));
  out.push('');
  out.push('Targets (medians):');
  out.push(
    `  awsorg without the hand-off / awscli = ${awsorgS.toFixed(2)} s / ${awscliS.toFixed(2)} s = ${ratio.toFixed(3)}   target <= ${RATIO_TARGET.toFixed(2)}   ${ratioPass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    `  awsorg with the hand-off / awscli = ${handoffS.toFixed(2)} s / ${awscliS.toFixed(2)} s = ${handoffRatio.toFixed(3)}   target <= ${HANDOFF_RATIO_TARGET.toFixed(2)}   ${handoffPass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    `    of which in Terraform (${TERRAFORM_STEPS.join(' + ')}): ${terraformS.toFixed(2)} s, ${((terraformS / handoffS) * 100).toFixed(0)}% of the run`,
  );
  out.push(
    `  --plan on the converged organization = ${planS.toFixed(2)} s   target <= ${PLAN_TARGET_S.toFixed(1)} s   ${planPass ? 'PASS' : 'FAIL'}`,
  );
  out.push(
    JSON.stringify({
      bench: 'bootstrap',
      preset: PRESET,
      rounds,
      warmups,
      medianSeconds: {
        nodeFloor: m((r) => r.nodeFloor),
        awsCliFloor: m((r) => r.awsCliFloor),
        awsorgBootstrap: awsorgS,
        awsorgPlan: planS,
        awsorgWithHandoff: handoffS,
        terraform: terraformS,
        terraformByStep,
        awscliScript: awscliS,
      },
      ratio,
      handoffRatio,
      calls: {
        awsorg: first.awsorgCalls,
        withHandoff: first.handoffCalls,
        plan: first.planCalls,
        awscli: { total: first.awscliCalls.total, reads: first.awscliCalls.reads, writes: first.awscliCalls.writes },
      },
      targets: {
        ratio: { max: RATIO_TARGET, pass: ratioPass },
        handoffRatio: { max: HANDOFF_RATIO_TARGET, pass: handoffPass },
        planSeconds: { max: PLAN_TARGET_S, pass: planPass },
      },
    }),
  );
  process.stdout.write(out.join('\n') + '\n');
  return ratioPass && handoffPass && planPass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
