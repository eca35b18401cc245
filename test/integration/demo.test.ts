/**
 * `npm run demo` shows a plan, then applies. The plan must be the plan it applies: the same
 * flags, and the same number of changes. This runs the demo's own command lines
 * (scripts/demo-steps.mjs, which scripts/demo.mjs runs) against moto with the real CLI. The demo
 * ends with a plain `terraform plan -detailed-exitcode` on the migrated state: it must exit 0.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isolatedEnv, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';

interface DemoRun {
  title: string;
  args: string[];
  allow: number[];
}
interface DemoSteps {
  writePreset: { args: string[] };
  bootstrapRuns: DemoRun[];
  TERRAFORM_DIR: string;
  finalPlan: { args: string[] };
  prepareTerraformDir(dir: string, tool: string, env: Record<string, string>): void;
}

const loadDemo = async () =>
  (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'demo-steps.mjs')).href)) as DemoSteps;

/** A bootstrap command line without the flag that chooses between previewing and applying. */
const withoutMode = (args: string[]) => args.filter((a) => a !== '--plan' && a !== '--yes');

describe('npm run demo: the plan it shows is the plan it applies', () => {
  let moto: Moto;
  let demo: DemoSteps;
  before(async () => {
    demo = await loadDemo();
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  it('plans and applies with the same flags', () => {
    const plans = demo.bootstrapRuns.filter((r) => r.args.includes('--plan'));
    const applies = demo.bootstrapRuns.filter((r) => r.args.includes('--yes'));
    assert.ok(plans.length >= 1 && applies.length >= 1, 'the demo plans and applies');
    for (const run of [...plans, ...applies])
      assert.deepEqual(withoutMode(run.args), withoutMode(applies[0]!.args), `"${run.title}" uses the apply's flags`);
  });

  it('applies as many changes as its first plan showed, then plans none, and terraform plan on the migrated state exits 0', async () => {
    const dir = tempDir('awsorg-demo-test-');
    const env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    const written = await runCli(demo.writePreset.args, { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);

    const [plan, apply, planAgain] = demo.bootstrapRuns;
    const planned = await runCli(plan!.args, { env, cwd: dir });
    assert.ok(plan!.allow.includes(planned.code!), planned.stdout + planned.stderr);
    const shown = Number(/^Plan: (\d+) changes? in/m.exec(planned.stdout)?.[1]);

    const applied = await runCli(apply!.args, { env, cwd: dir, timeoutMs: 600_000 });
    assert.ok(apply!.allow.includes(applied.code!), applied.stderr);
    const done = Number(/^Converged: (\d+) changes? applied/m.exec(applied.stdout)?.[1]);
    assert.ok(shown > 40, `the plan showed ${shown} changes`);
    // The fresh plan includes the state move of the directory the hand-off is about to write.
    assert.match(planned.stdout, /Move the state the hand-off imports into \.\/bootstrap/);
    assert.equal(done, shown, `the apply did what the plan showed (plan ${shown}, applied ${done})`);

    const again = await runCli(planAgain!.args, { env, cwd: dir });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /No changes/);
    assert.match(again.stdout, /managed as code in \.\/bootstrap/, 'the demo blueprint hands off to Terraform');

    const final = await terraform(demo.finalPlan.args, join(dir, demo.TERRAFORM_DIR), env);
    assert.equal(final.code, 0, final.output);
  });
});
