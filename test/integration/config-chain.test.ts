/**
 * The standard AWS configuration chain, through the real CLI: a named profile from
 * ~/.aws/config + ~/.aws/credentials, its region, and a service-specific endpoint variable.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

describe('AWS configuration chain', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
  });
  after(() => stop?.());

  it('uses AWS_PROFILE from ~/.aws/config and ~/.aws/credentials', async () => {
    const env = isolatedEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_PROFILE: 'ops' });
    mkdirSync(dirname(env.AWS_CONFIG_FILE!), { recursive: true });
    writeFileSync(env.AWS_CONFIG_FILE!, '[default]\nregion = eu-west-1\n\n[profile ops]\nregion = us-west-2\n');
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE!,
      '[ops]\naws_access_key_id = AKIAOPSEXAMPLE000001\naws_secret_access_key = opssecret\n',
    );
    const run = await runCli(['whoami', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const who = JSON.parse(run.stdout);
    assert.match(who.account, /^\d{12}$/);
    assert.equal(who.organization.role, 'none');
  });

  it('a profile that does not exist is a credentials error (exit 4) with a next step', async () => {
    const env = isolatedEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_PROFILE: 'missing' });
    const run = await runCli(['whoami'], { env });
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /Next step: .*AWS_PROFILE/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });

  it('AWS_ENDPOINT_URL_<SERVICE> routes that service alone', async () => {
    proxy.clearRecords();
    // STS goes through the recording proxy, Organizations straight to moto.
    const env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL_STS: proxy.endpoint });
    const run = await runCli(['whoami', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      proxy.requests.map((r) => `${r.service}:${r.action}`),
      ['sts:GetCallerIdentity'],
    );
  });
});
