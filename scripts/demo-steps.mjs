// The command lines `npm run demo` runs, in one place: scripts/demo.mjs runs them, and
// test/integration/demo.test.ts runs the bootstrap ones and the final terraform plan against moto
// to check that the demo's plan is the plan it applies and that Terraform agrees afterwards.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BLUEPRINT = 'awsorg.yaml';

// moto serves plain HTTP and enforces the aws:SecureTransport deny, so under the TLS-only bucket
// statement it would refuse Terraform's object calls: the emulator run leaves that statement out.
// The preset's emails and bucket names are placeholders, refused outside a rehearsal unless
// --allow-placeholders says this is an emulator run. Against AWS, never pass either flag.
export const EMULATOR_FLAGS = ['--omit-tls-deny', '--allow-placeholders'];

export const writePreset = {
  title: 'write the standard preset to a file',
  args: ['bootstrap', '--preset', 'standard', '--write', BLUEPRINT],
};

/** Plan, apply, plan again, all with the same flags: the plan shown must be the plan applied. */
export const bootstrapRuns = [
  {
    title: 'preview every change (exit 3: changes pending)',
    args: ['bootstrap', '--config', BLUEPRINT, '--plan', ...EMULATOR_FLAGS],
    allow: [3],
  },
  { title: 'apply', args: ['bootstrap', '--config', BLUEPRINT, '--yes', ...EMULATOR_FLAGS], allow: [0] },
  {
    title: 'plan again: the organization has converged (exit 0)',
    args: ['bootstrap', '--config', BLUEPRINT, '--plan', ...EMULATOR_FLAGS],
    allow: [0],
  },
];

/** The blueprint's Terraform directory: the preset hands the organization to Terraform there. */
export const TERRAFORM_DIR = 'bootstrap';

/**
 * The demo's last word: a plain plan in the Terraform directory, on the state that the hand-off
 * imported and moved into the bucket, must find nothing to do (exit 0; 2 would mean changes).
 */
export const finalPlan = {
  title: 'plain terraform plan on the migrated state: nothing to do (exit 0)',
  args: ['plan', '-detailed-exitcode', '-input=false', '-no-color'],
};

/**
 * A bootstrap Terraform directory `<dir>/bootstrap` with local state, to be moved into the new
 * bucket, for a blueprint without the hand-off. `tool` is `terraform` or `tofu`. The demo no
 * longer uses it: its preset hands off, and the hand-off writes the directory itself.
 */
export function prepareTerraformDir(dir, tool, env) {
  mkdirSync(join(dir, 'bootstrap'));
  writeFileSync(
    join(dir, 'bootstrap', 'main.tf'),
    'resource "terraform_data" "bootstrap" {\n  input = "first day"\n}\n',
  );
  for (const args of [
    ['init', '-input=false'],
    ['apply', '-auto-approve', '-input=false'],
  ]) {
    const r = spawnSync(tool, args, { cwd: join(dir, 'bootstrap'), env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${tool} ${args[0]} failed`);
  }
}
