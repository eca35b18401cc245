// The command lines `npm run demo` runs, in one place: scripts/demo.mjs runs them, and
// test/integration/demo.test.ts runs the bootstrap ones against moto to check that the demo's
// plan is the plan it applies.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BLUEPRINT = 'awsorg.yaml';

// moto serves plain HTTP and enforces the aws:SecureTransport deny, so under the TLS-only bucket
// statement it would refuse Terraform's object calls: the emulator run leaves that statement out.
// The preset's emails and bucket names are placeholders, refused outside a rehearsal unless
// --allow-placeholders says this is an emulator run. Against AWS, never pass either flag.
export const EMULATOR_FLAGS = ['--omit-tls-deny', '--allow-placeholders'];

export const writePreset = { title: 'write the standard preset to a file', args: ['bootstrap', '--preset', 'standard', '--write', BLUEPRINT] };

/** Plan, apply, plan again, all with the same flags: the plan shown must be the plan applied. */
export const bootstrapRuns = [
  { title: 'preview every change (exit 3: changes pending)', args: ['bootstrap', '--config', BLUEPRINT, '--plan', ...EMULATOR_FLAGS], allow: [3] },
  { title: 'apply', args: ['bootstrap', '--config', BLUEPRINT, '--yes', ...EMULATOR_FLAGS], allow: [0] },
  { title: 'plan again: the organization has converged (exit 0)', args: ['bootstrap', '--config', BLUEPRINT, '--plan', ...EMULATOR_FLAGS], allow: [0] },
];

/**
 * A bootstrap Terraform directory `<dir>/bootstrap` with local state, to be moved into the new
 * bucket. `tool` is `terraform` or `tofu`.
 */
export function prepareTerraformDir(dir, tool, env) {
  mkdirSync(join(dir, 'bootstrap'));
  writeFileSync(join(dir, 'bootstrap', 'main.tf'), 'resource "terraform_data" "bootstrap" {\n  input = "first day"\n}\n');
  for (const args of [['init', '-input=false'], ['apply', '-auto-approve', '-input=false']]) {
    const r = spawnSync(tool, args, { cwd: join(dir, 'bootstrap'), env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${tool} ${args[0]} failed`);
  }
}
