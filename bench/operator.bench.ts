/**
 * `awsorg assume X --exec -- true` against baselines measured in the same run, all as child
 * processes timed from spawn to exit (median of ROUNDS, run interleaved so machine load hits
 * every case alike):
 * - cache hit vs `node -e 0`: target <= 1.3x (issue 14);
 * - cache miss (one AssumeRole against moto) vs `aws sts assume-role` through the AWS CLI
 *   against the same moto: target <= 0.5x;
 * - the same miss vs a minimal AWS SDK v3 script that makes only that AssumeRole: target <= 1.3x.
 *
 * The miss keeps the operator identity cache (the base identity's ARN, fetched once per
 * sign-in) and drops only the credential cache, which is what a real miss looks like.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../test/helpers/cli.js';
import { startMoto } from '../test/helpers/moto.js';
import { createOrgFixture, operatorEnv } from '../test/helpers/org-fixture.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const MIN_SCRIPT = fileURLToPath(new URL('./min-assume-role.js', import.meta.url));

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(file: string, args: string[], env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function benchAssume(): Promise<BenchResult[]> {
  const moto = await startMoto();
  try {
    const org = await createOrgFixture(moto.endpoint, [{ name: 'Development', ou: 'Workloads' }]);
    const dev = org.byName('Development');
    const env: Record<string, string> = {
      ...operatorEnv(moto.endpoint),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const roleArn = `arn:aws:iam::${dev.id}:role/OrganizationAccountAccessRole`;
    const assume = [CLI, 'assume', 'Development', '--exec', '--', 'true'];
    // Warm-up: inventory, operator identity and credentials cached; disk caches hot.
    time(process.execPath, assume, env);
    const credentials = join(env.XDG_CACHE_HOME!, 'awsorg', 'credentials');
    const samples = {
      node: [] as number[],
      hit: [] as number[],
      miss: [] as number[],
      awscli: [] as number[],
      sdk: [] as number[],
    };
    for (let i = 0; i < ROUNDS; i++) {
      samples.node.push(time(process.execPath, ['-e', '0'], env));
      samples.hit.push(time(process.execPath, assume, env));
      rmSync(credentials, { recursive: true, force: true });
      samples.miss.push(time(process.execPath, assume, env));
      samples.sdk.push(time(process.execPath, [MIN_SCRIPT, roleArn], env));
      samples.awscli.push(
        time(
          'aws',
          ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'bench', '--output', 'json'],
          env,
        ),
      );
    }
    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof samples,
      number
    >;
    const row = (name: string, value: number, unit: string, target: string, pass: boolean): BenchResult => ({
      name,
      value: Number(value.toFixed(3)),
      unit,
      target,
      pass,
    });
    return [
      row('node -e 0 (baseline)', m.node, 'ms', '-', true),
      row('assume --exec -- true, cache hit', m.hit, 'ms', '-', true),
      row('assume --exec -- true, cache miss (1 AssumeRole)', m.miss, 'ms', '-', true),
      row('minimal SDK v3 AssumeRole script (baseline)', m.sdk, 'ms', '-', true),
      row('aws sts assume-role (baseline)', m.awscli, 'ms', '-', true),
      row('ratio: cache hit / node -e 0', m.hit / m.node, 'x', '<= 1.3', m.hit / m.node <= 1.3),
      row('ratio: cache miss / aws sts assume-role', m.miss / m.awscli, 'x', '<= 0.5', m.miss / m.awscli <= 0.5),
      row('ratio: cache miss / minimal SDK script', m.miss / m.sdk, 'x', '<= 1.3', m.miss / m.sdk <= 1.3),
    ];
  } finally {
    await moto.stop();
  }
}

export function printResults(title: string, results: BenchResult[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const r of results) {
    const verdict = r.target === '-' ? '' : r.pass ? '  PASS' : '  FAIL';
    process.stdout.write(
      `  ${r.name.padEnd(52)} ${String(r.value).padStart(10)} ${r.unit.padEnd(3)} ${r.target === '-' ? '' : `(target ${r.target})`}${verdict}\n`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await benchAssume();
  printResults(`awsorg assume (median of ${ROUNDS} interleaved rounds)`, results);
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}
