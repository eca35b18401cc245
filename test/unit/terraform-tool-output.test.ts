import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { summarisePlan } from '../../src/terraform/handoff/plan-check.js';
import { runTool } from '../../src/terraform/tool.js';

describe('runTool output for `show -json`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'awsorg-tool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps all of stdout apart from stderr, so a large plan (over 256 KiB) with warnings parses', async () => {
    // A stand-in for `terraform show -json`: a plan of 600 pure imports (about 400 KiB), with a
    // warning on stderr before and after the JSON, as Terraform prints diagnostics there.
    const script = join(dir, 'terraform');
    writeFileSync(
      script,
      `#!${process.execPath}
const rc = [];
for (let i = 0; i < 600; i++) rc.push({ address: 'aws_organizations_account.a' + i, mode: 'managed', change: { actions: ['no-op'], before: { name: 'a'.repeat(300) }, after: { name: 'a'.repeat(300) }, after_unknown: {}, importing: { id: String(i) } } });
process.stderr.write('Warning: {something} odd\\n');
process.stdout.write(JSON.stringify({ format_version: '1.2', resource_changes: rc }) + '\\n', () => process.stderr.write('Warning: trailing\\n'));
`,
    );
    chmodSync(script, 0o755);
    const result = await runTool({ name: 'terraform', path: script }, ['show', '-json'], {
      cwd: dir,
      env: { ...process.env } as Record<string, string>,
      spawn,
    });
    assert.equal(result.code, 0);
    assert.ok(result.stdout.length > 256 * 1024);
    const summary = summarisePlan(result.stdout);
    assert.equal(summary.imports.length, 600);
    assert.deepEqual(summary.impure, []);
  });
});
