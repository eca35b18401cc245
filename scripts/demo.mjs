#!/usr/bin/env node
// The main job, end to end, on a machine without an AWS account: start a local AWS emulator
// (moto_server), bootstrap the `standard` preset into it (plan, apply, plan again), including
// the hand-off: awsorg writes Terraform code for the organization into ./bootstrap, imports every
// resource and moves that state into the new state bucket. The demo ends with a plain
// `terraform plan -detailed-exitcode` there, which must exit 0 (no changes), or the demo fails.
// Usage: npm run demo            (after `npm ci`; needs moto_server and terraform (or tofu >= 1.7);
//        terraform downloads the hashicorp/aws provider unless TF_CLI_CONFIG_FILE names a mirror)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootstrapRuns, finalPlan, TERRAFORM_DIR, writePreset } from './demo-steps.mjs';

const cli = resolve('dist/bin/awsorg.cjs');
const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
if (!have('moto_server')) {
  console.error("The demo needs moto_server (a local AWS emulator): pip install 'moto[server]'");
  process.exit(1);
}
// The preset hands the organization to Terraform, so the demo needs terraform (or OpenTofu).
const tool = have('terraform') ? 'terraform' : have('tofu') ? 'tofu' : undefined;
if (!tool) {
  console.error('The demo needs terraform (or tofu >= 1.7): the standard preset hands the organization to Terraform.');
  process.exit(1);
}

const port = await new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
  stdio: 'ignore',
  env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' },
});
const stop = () => moto.kill('SIGTERM');
process.on('exit', stop);
const endpoint = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    await fetch(`${endpoint}/moto-api/`);
    break;
  } catch {
    if (i > 100) throw new Error('moto_server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'awsorg-demo-'));
const home = join(dir, 'home');
const env = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'demo',
  AWS_SECRET_ACCESS_KEY: 'demo',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: join(home, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_CACHE_HOME: join(home, 'cache'),
  XDG_STATE_HOME: join(home, 'state'),
  TF_IN_AUTOMATION: '1',
  CHECKPOINT_DISABLE: '1',
};
delete env.AWS_PROFILE;

function run(title, args, { allow = [0] } = {}) {
  console.log(`\n$ awsorg ${args.join(' ')}    # ${title}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, env, stdio: 'inherit' });
  if (!allow.includes(r.status)) {
    console.error(`awsorg exited ${r.status}`);
    process.exit(r.status ?? 1);
  }
  return r.status;
}

console.log(`Local AWS emulator on ${endpoint}; working directory ${dir}`);
run(writePreset.title, writePreset.args);

// Plan, apply, plan again: one list, so the plan shown is the plan applied (same flags).
for (const { title, args, allow } of bootstrapRuns) run(title, args, { allow });
run('who am I in the new organization', ['whoami']);
// The operator side: the inventory comes from Organizations, then a role session in one account.
run('list the accounts (discovered from AWS Organizations, then cached)', ['accounts']);
if (have('aws'))
  run('run the AWS CLI as the Production account', [
    'assume',
    'production',
    '--yes',
    '--exec',
    '--',
    'aws',
    'sts',
    'get-caller-identity',
  ]);
else
  run('print the Production account session for eval', [
    'assume',
    'production',
    '--yes',
    '--export',
    '--format',
    'json',
  ]);
// The organization as code: a plain plan on the migrated state (in the bucket) finds nothing to do.
console.log(`\n$ cd ${TERRAFORM_DIR} && ${tool} ${finalPlan.args.join(' ')}    # ${finalPlan.title}`);
const planned = spawnSync(tool, finalPlan.args, { cwd: join(dir, TERRAFORM_DIR), env, stdio: 'inherit' });
const verdict =
  planned.status === 0
    ? 'no changes: Terraform state and AWS agree'
    : planned.status === 2
      ? 'changes pending: Terraform state and AWS disagree'
      : 'failed';
console.log(`\n${tool} plan -detailed-exitcode exited ${planned.status ?? planned.signal} (${verdict}).`);
if (planned.status !== 0) {
  console.error(`The demo failed: ${tool} plan on the migrated state should exit 0.`);
  process.exit(1);
}
console.log(`\nDone. The blueprint, its journal and the Terraform code are in ${dir}.`);
stop();
