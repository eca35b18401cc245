/**
 * The pure parts of the emulator path: which endpoint counts as plain HTTP, which refusals are
 * object calls, the next step that names --omit-tls-deny, and the apply command a plan suggests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCommand, parse } from '../../src/commands/bootstrap.js';
import { AwsCallError, ExitCode } from '../../src/core/errors.js';
import { isRefusedObjectCall, omitTlsDenyNextStep, plainHttpS3Endpoint } from '../../src/steps/tls-deny-hint.js';

const refused = (service: string, action: string, code = 'AccessDenied') =>
  new AwsCallError({
    service,
    action,
    account: '123456789012',
    principalArn: 'arn:aws:iam::123456789012:user/a',
    code,
    message: 'denied',
    nextStep: 'Grant it.',
    credentials: true,
  });

describe('--omit-tls-deny hint', () => {
  it('counts only a plain-HTTP endpoint set in the environment, the way the SDK reads it', () => {
    assert.equal(plainHttpS3Endpoint({}), undefined);
    assert.equal(plainHttpS3Endpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }), 'http://127.0.0.1:5000');
    assert.equal(
      plainHttpS3Endpoint({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://s3:2' }),
      'http://s3:2',
    );
    assert.equal(
      plainHttpS3Endpoint({ AWS_ENDPOINT_URL: 'https://gateway.example:443' }),
      undefined,
      'over TLS the statement cannot be the cause',
    );
    assert.equal(
      plainHttpS3Endpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
      undefined,
    );
  });

  it('applies to refused S3 object calls only', () => {
    assert.ok(isRefusedObjectCall(refused('s3', 'GetObject')));
    assert.ok(isRefusedObjectCall(refused('s3', 'PutObject')));
    assert.ok(!isRefusedObjectCall(refused('s3', 'GetBucketPolicy')));
    assert.ok(!isRefusedObjectCall(refused('s3', 'GetObject', 'NoSuchKey')));
    assert.ok(!isRefusedObjectCall(refused('dynamodb', 'PutItem')));
    assert.ok(!isRefusedObjectCall(new Error('AccessDenied')));
  });

  it('keeps the failure (call, code, exit code) and replaces only the next step', () => {
    const err = refused('s3', 'GetObject');
    const explained = err.withNextStep(omitTlsDenyNextStep('acme-tfstate', 'http://127.0.0.1:5000'));
    assert.equal(explained.message, err.message);
    assert.equal(explained.exitCode, ExitCode.credentials);
    assert.equal(explained.account, '123456789012');
    assert.match(explained.nextStep!, /--omit-tls-deny/);
    assert.match(explained.nextStep!, /AwsorgDenyInsecureTransport/);
    assert.match(explained.nextStep!, /never use that flag against AWS/);
  });

  it('a plan suggests the apply with the same flags', () => {
    assert.equal(
      applyCommand(parse(['--config', 'awsorg.yaml', '--plan'])),
      'awsorg bootstrap --config awsorg.yaml --yes',
    );
    assert.equal(
      applyCommand(parse(['--config', 'awsorg.yaml', '--plan', '--omit-tls-deny'])),
      'awsorg bootstrap --config awsorg.yaml --yes --omit-tls-deny',
    );
    assert.equal(
      applyCommand(
        parse(['--preset', 'standard', '--plan', '--allow-root', '--member-role', 'Admin', '--allow-outside-files']),
      ),
      'awsorg bootstrap --preset standard --yes --allow-root --member-role Admin --allow-outside-files',
    );
  });
});
