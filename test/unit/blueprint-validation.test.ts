import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import {
  bucketNameProblem,
  emailProblem,
  loadBlueprint,
  loadedFromBlueprint,
  parseBlueprintText,
  validateBlueprint,
} from '../../src/core/blueprint-load.js';
import { UsageError, ValidationError, type ValidationIssue } from '../../src/core/errors.js';
import { PRESET_NAMES, preset, presetYaml } from '../../src/core/presets.js';
import { isRegion, partitionOf } from '../../src/core/regions.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { productionReason } from '../../src/inventory/production.js';
import type { Blueprint } from '../../src/core/blueprint.js';
import { ciOidcStep, type ObservedCiOidc } from '../../src/steps/ci-oidc.js';
import { guardrailPolicies, minifyPolicy } from '../../src/policies/guardrail-policies.js';
import { guardrailsStep } from '../../src/steps/guardrails.js';
import {
  DENY_PUBLIC_S3_POLICY,
  INVALID_BLUEPRINTS,
  VALID_EXAMPLE_FILES,
  VALID_EXAMPLE_YAML,
} from '../fixtures/invalid-blueprints.js';

/** Writes a blueprint and its files into a fresh directory; returns the blueprint's path. */
function writeBlueprint(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'awsorg-blueprint-'));
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), content);
  }
  const file = join(dir, 'awsorg.yaml');
  writeFileSync(file, yaml);
  return file;
}

async function loadIssues(yaml: string, files?: Record<string, string>): Promise<ValidationIssue[]> {
  const file = writeBlueprint(yaml, files);
  try {
    await loadBlueprint(file);
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('the blueprint loaded without issues');
}

function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}. Fix: ${i.fix}`).join('\n');
}

describe('invalid blueprints', () => {
  test('the table holds at least 30 distinct cases', () => {
    assert.ok(INVALID_BLUEPRINTS.length >= 30, `only ${INVALID_BLUEPRINTS.length} cases`);
    assert.equal(new Set(INVALID_BLUEPRINTS.map((c) => c.name)).size, INVALID_BLUEPRINTS.length, 'case names repeat');
  });

  for (const invalid of INVALID_BLUEPRINTS) {
    test(invalid.name, async () => {
      const issues = await loadIssues(invalid.yaml, invalid.files);
      const atPath = issues.filter((i) => i.path === invalid.path);
      assert.ok(atPath.length > 0, `no issue at ${invalid.path}; got:\n${describeIssues(issues)}`);
      const match = atPath.find((i) => invalid.message.test(i.message));
      assert.ok(match, `no issue at ${invalid.path} matches ${invalid.message}; got:\n${describeIssues(atPath)}`);
      if (invalid.fix) assert.match(match.fix, invalid.fix);
      for (const issue of issues) assert.ok(issue.fix.length > 0, `${issue.path} has no fix`);
    });
  }
});

describe('valid blueprints', () => {
  test('the example from the issue loads, with defaults filled in', async () => {
    const file = writeBlueprint(VALID_EXAMPLE_YAML, VALID_EXAMPLE_FILES);
    const loaded = await loadBlueprint(file);
    assert.equal(loaded.file, file);
    assert.equal(loaded.baseDir, dirname(file));
    assert.deepEqual(loaded.customPolicies, { 'deny-public-s3': JSON.parse(DENY_PUBLIC_S3_POLICY) });
    assert.equal(loaded.deployInlinePolicy, undefined);
    const { blueprint } = loaded;
    assert.equal(blueprint.stateBackend?.noncurrentVersionDays, 90);
    assert.equal(blueprint.ciOidc?.account, 'management');
    assert.deepEqual(blueprint.ciOidc?.policyArns, []);
    assert.equal(blueprint.terraform?.tool, 'auto');
    assert.deepEqual(blueprint.organizationalUnits, [
      'Security',
      'Infrastructure',
      'Workloads',
      'Workloads/Production',
      'Sandbox',
    ]);
    assert.deepEqual(blueprint.accounts[1], {
      name: 'production',
      email: 'aws+production@acme-corp.io',
      ou: 'Workloads/Production',
    });
  });

  test('validation is pure: it reads no file and changes nothing it is given', () => {
    const raw = parseBlueprintText(VALID_EXAMPLE_YAML, 'example');
    const before = structuredClone(raw);
    const result = validateBlueprint(raw, {});
    assert.deepEqual(result.issues, []);
    assert.deepEqual(raw, before);
  });

  test('optional fields take their defaults', () => {
    const result = validateBlueprint({
      version: 1,
      region: 'eu-west-1',
      stateBackend: { bucket: 'acme-tfstate', lock: 'lockfile' },
      ciOidc: {
        provider: 'gitlab',
        repository: 'acme/platform/infra',
        ref: 'refs/heads/main',
        roleName: 'gitlab-deploy',
      },
      terraform: { dir: '.', key: 'bootstrap.tfstate' },
    });
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.blueprint, {
      version: 1,
      region: 'eu-west-1',
      organization: { trustedServices: [], policyTypes: [] },
      organizationalUnits: [],
      accounts: [],
      stateBackend: {
        account: 'management',
        bucket: 'acme-tfstate',
        lock: 'lockfile',
        encryption: 'aws:kms',
        enforceTls: true,
        noncurrentVersionDays: 90,
      },
      ciOidc: {
        provider: 'gitlab',
        repository: 'acme/platform/infra',
        ref: 'refs/heads/main',
        roleName: 'gitlab-deploy',
        policyArns: [],
        url: 'https://gitlab.com',
        account: 'management',
      },
      terraform: { dir: '.', key: 'bootstrap.tfstate', tool: 'auto' },
    } satisfies Blueprint);
  });

  test('a KMS key ARN in the bucket Region, an account target and a GitHub environment are accepted', () => {
    const raw = parse(VALID_EXAMPLE_YAML) as Record<string, Record<string, unknown>>;
    raw.stateBackend!.encryption = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    raw.ciOidc = {
      provider: 'github',
      repository: 'acme/infrastructure',
      environment: 'production',
      roleName: 'github-deploy',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    };
    (raw.guardrails!.denyRoot as { targets: string[] }).targets.push('production');
    const result = validateBlueprint(raw, { customPolicies: { 'deny-public-s3': JSON.parse(DENY_PUBLIC_S3_POLICY) } });
    assert.deepEqual(result.issues, []);
  });

  test('the inline deploy policy is read relative to the blueprint', async () => {
    const yaml = VALID_EXAMPLE_YAML.replace('policyArns: [] }', 'policyArns: [], inlinePolicy: policies/deploy.json }');
    const deployPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const file = writeBlueprint(yaml, { ...VALID_EXAMPLE_FILES, 'policies/deploy.json': JSON.stringify(deployPolicy) });
    const loaded = await loadBlueprint(file);
    assert.deepEqual(loaded.deployInlinePolicy, deployPolicy);
    assert.equal(loaded.blueprint.ciOidc?.inlinePolicy, 'policies/deploy.json');
  });
});

describe('reporting', () => {
  test('a blueprint that cannot be read names the file and the reason once', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'awsorg-bp-')), 'missing.yaml');
    await assert.rejects(loadBlueprint(missing), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(
        err.message,
        `Cannot read the blueprint ${missing}: ENOENT: no such file or directory, open '${missing}'`,
      );
      return true;
    });
  });

  test('every issue is reported together, not only the first', async () => {
    const yaml = VALID_EXAMPLE_YAML.replace('region: us-east-1', 'region: us-east-7')
      .replace('aws+production@acme-corp.io', 'production@localhost')
      .replace('bucket: acme-tfstate-7f3a', 'bucket: Acme_TFState')
      .replace('ref: refs/heads/main, ', '');
    const issues = await loadIssues(yaml, VALID_EXAMPLE_FILES);
    const paths = issues.map((i) => i.path);
    for (const expected of ['region', 'accounts[1].email', 'stateBackend.bucket', 'ciOidc.ref']) {
      assert.ok(paths.includes(expected), `missing ${expected} in:\n${describeIssues(issues)}`);
    }
  });

  test('issues from a file name the line, and the error names file, path and fix', async () => {
    const yaml = VALID_EXAMPLE_YAML.replace('aws+production@acme-corp.io', 'foo@bar');
    const file = writeBlueprint(yaml, VALID_EXAMPLE_FILES);
    await assert.rejects(loadBlueprint(file), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.exitCode, 2);
      assert.match(
        error.message,
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid \\(1 problem\\)`),
      );
      assert.match(
        error.message,
        /accounts\[1\]\.email: 'foo@bar' has no dot in its domain \(line 9\)\. Fix: use an address like name@example\.com/,
      );
      return true;
    });
  });

  test('wrong types anywhere are issues, never crashes', () => {
    const shapes: unknown[] = [42, 'text', [], [1, 2], true, { version: 1, region: 7 }];
    const fields = [
      'organization',
      'organizationalUnits',
      'accounts',
      'guardrails',
      'stateBackend',
      'ciOidc',
      'organizationTrail',
      'terraform',
    ];
    const oddValues: unknown[] = [
      null,
      0,
      'x',
      [],
      [null],
      [{}],
      {},
      { targets: 'Root' },
      { allow: {}, targets: [[]] },
      { custom: [3] },
    ];
    for (const shape of shapes) assert.ok(validateBlueprint(shape, {}).issues.length > 0);
    for (const field of fields) {
      for (const value of oddValues) {
        const result = validateBlueprint(
          { version: 1, region: 'us-east-1', [field]: value },
          { customPolicies: {}, deployInlinePolicy: undefined },
        );
        assert.ok(Array.isArray(result.issues), `${field}: ${JSON.stringify(value)}`);
      }
    }
    const nested = validateBlueprint(
      { version: 1, region: 'us-east-1', guardrails: { denyRegions: { allow: 'us-east-1', targets: 'Root' } } },
      {},
    );
    assert.deepEqual(
      nested.issues.map((i) => [i.path, i.fix]),
      [
        ['guardrails.denyRegions.allow', 'write it as a list: allow: [us-east-1]'],
        ['guardrails.denyRegions.targets', 'write it as a list: targets: [Root]'],
        ['organization.policyTypes', 'add SERVICE_CONTROL_POLICY to organization.policyTypes'],
      ],
    );
  });

  test('a YAML syntax error becomes a ValidationError with line and column', () => {
    assert.throws(
      () => parseBlueprintText('version: 1\n  region: [us-east-1\n', 'awsorg.yaml'),
      (error: unknown) =>
        error instanceof ValidationError && /^line \d+, column \d+$/.test(error.issues[0]?.path ?? ''),
    );
  });

  test('a missing blueprint file is a usage error', async () => {
    await assert.rejects(
      loadBlueprint(join(tmpdir(), 'awsorg-no-such-dir', 'awsorg.yaml')),
      (error: unknown) => error instanceof UsageError && /ENOENT/.test(error.message),
    );
  });

  test('a custom guardrail file is validated only when documents are supplied', () => {
    const raw = parseBlueprintText(VALID_EXAMPLE_YAML, 'example');
    assert.deepEqual(validateBlueprint(raw, {}).issues, []);
    const issues = validateBlueprint(raw, {
      customPolicies: { 'deny-public-s3': new Error('cannot be read (x): ENOENT') },
    }).issues;
    assert.deepEqual(
      issues.map((i) => i.path),
      ['guardrails.custom[0].file'],
    );
  });
});

describe('presets', () => {
  for (const name of PRESET_NAMES) {
    test(`${name} validates with zero issues`, () => {
      assert.deepEqual(validateBlueprint(preset(name), {}).issues, []);
      const loaded = loadedFromBlueprint(preset(name), '/tmp/awsorg', `preset ${name}`, { allowPlaceholders: true });
      assert.deepEqual(loaded.blueprint, preset(name));
      assert.equal(loaded.file, undefined);
    });

    test(`${name} YAML loads back to the same blueprint`, async () => {
      const yaml = presetYaml(name);
      assert.match(yaml, /^# yaml-language-server: \$schema=\S+\n# awsorg blueprint/);
      assert.match(yaml, /awsorg bootstrap --config/);
      assert.deepEqual(validateBlueprint(parseBlueprintText(yaml, name), {}).blueprint, preset(name));
      const loaded = await loadBlueprint(writeBlueprint(yaml), { allowPlaceholders: true });
      assert.deepEqual(loaded.blueprint, preset(name));
    });

    test(`${name} is refused outside a rehearsal until its placeholders are replaced, naming each field and its line`, async () => {
      const issues = (error: unknown) => (error instanceof ValidationError ? error.issues : []);
      const fromPreset = (() => {
        try {
          loadedFromBlueprint(preset(name), '/tmp/awsorg', `preset ${name}`);
        } catch (error) {
          return issues(error);
        }
        return [];
      })();
      const accounts = preset(name).accounts;
      assert.deepEqual(
        fromPreset.filter((i) => i.path.endsWith('.email')).map((i) => i.path),
        accounts.map((_, i) => `accounts[${i}].email`),
      );
      assert.deepEqual(
        fromPreset.filter((i) => !i.path.endsWith('.email')).map((i) => i.path),
        ['stateBackend.bucket', 'organizationTrail.bucket'],
      );
      await assert.rejects(loadBlueprint(writeBlueprint(presetYaml(name))), (error: unknown) => {
        const found = issues(error);
        assert.ok(
          found.some(
            (i) =>
              /^line \d+, column \d+ \(stateBackend\.bucket\)$/.test(i.path) || /stateBackend\.bucket/.test(i.path),
          ),
          JSON.stringify(found.map((i) => i.path)),
        );
        assert.match((error as Error).message, /is a placeholder \(it says change-me\)/);
        assert.match((error as Error).message, /example\.com is reserved for examples and receives no mail/);
        return true;
      });
    });
  }

  test('standard has the documented layout', () => {
    const standard = preset('standard');
    assert.deepEqual(standard.organizationalUnits, ['Security', 'Infrastructure', 'Workloads', 'Sandbox']);
    assert.deepEqual(
      standard.accounts.map((a) => `${a.name}@${a.ou}`),
      [
        'log-archive@Security',
        'audit@Security',
        'shared-services@Infrastructure',
        'development@Workloads',
        'staging@Workloads',
        'production@Workloads',
      ],
    );
    assert.deepEqual(standard.guardrails?.denyRegions, {
      allow: ['us-east-1', 'us-west-2'],
      targets: ['Workloads', 'Sandbox'],
    });
  });

  test('three-accounts keeps the management account out of accounts', () => {
    assert.deepEqual(
      preset('three-accounts').accounts.map((a) => a.name),
      ['dns', 'website-production'],
    );
  });

  test('regulated turns on every guardrail and locks Regions to GovCloud', () => {
    const { guardrails, stateBackend } = preset('regulated');
    assert.ok(guardrails?.denyRegions?.allow.includes('us-gov-west-1'));
    assert.ok(guardrails?.denyRoot && guardrails.requireMfa && guardrails.denyLeaveOrganization);
    assert.equal(stateBackend?.lock, 'both');
    assert.equal(stateBackend?.enforceTls, true);
  });

  test('every preset account meant for production is production to assume and the console from day one', () => {
    for (const name of PRESET_NAMES) {
      const meant = preset(name).accounts.filter((a) => /prod/i.test(a.name));
      assert.ok(meant.length > 0, `${name} has a production account`);
      for (const account of meant) {
        const inventoryAccount = {
          id: '111111111111',
          name: account.name,
          email: account.email,
          status: 'ACTIVE',
          ouPath: `/${account.ou}`,
          tags: account.tags ?? {},
        };
        assert.equal(
          account.tags?.environment,
          'production',
          `${name}: ${account.name} is tagged, whatever OU it is moved to`,
        );
        assert.ok(
          productionReason(inventoryAccount, DEFAULT_SETTINGS.production),
          `${name}: ${account.name} is production`,
        );
        assert.equal(
          productionReason({ ...inventoryAccount, ouPath: '/Workloads' }, DEFAULT_SETTINGS.production),
          'tag environment=production',
        );
      }
      for (const account of preset(name).accounts.filter((a) => !/prod/i.test(a.name)))
        assert.equal(account.tags, undefined, `${name}: ${account.name} is not tagged production`);
    }
  });

  test('preset() returns a copy the caller may change', () => {
    preset('standard').accounts.pop();
    assert.equal(preset('standard').accounts.length, 6);
  });

  test('an unknown preset names the valid ones', () => {
    assert.throws(
      () => preset('enterprise'),
      (error: unknown) =>
        error instanceof UsageError && /standard, three-accounts, regulated/.test(error.nextStep ?? ''),
    );
  });

  test('a blueprint without a file may not name policy files', () => {
    const blueprint = preset('standard');
    blueprint.guardrails!.custom = [
      { name: 'deny-public-s3', file: 'policies/deny-public-s3.json', targets: ['Workloads'] },
    ];
    assert.throws(
      () => loadedFromBlueprint(blueprint, '/tmp'),
      (error: unknown) =>
        error instanceof ValidationError && error.issues.some((i) => i.path === 'guardrails.custom[0]'),
    );
  });
});

describe('field rules', () => {
  test('emails', () => {
    for (const ok of ['aws+prod@example.com', 'a@b.co', 'first.last@sub.example.org'])
      assert.equal(emailProblem(ok), undefined, ok);
    for (const bad of [
      'a@b.c',
      'no-at.example.com',
      'a@b@example.com',
      '@example.com',
      'x@example.',
      'sp ace@example.com',
    ])
      assert.ok(emailProblem(bad), bad);
  });

  test('bucket names', () => {
    for (const ok of ['acme-tfstate-7f3a', 'a.b.c', 'abc', 'my-s3alias-bucket', 'x'.repeat(63)])
      assert.equal(bucketNameProblem(ok), undefined, ok);
    for (const bad of [
      'ab',
      'x'.repeat(64),
      '-abc',
      'abc-',
      'a..b',
      '10.0.0.1',
      'sthree-x',
      'amzn-s3-demo-x',
      'x-s3alias',
      'x--ol-s3',
      'x.mrap',
      'x--table-s3',
      'ABC',
    ]) {
      assert.ok(bucketNameProblem(bad), bad);
    }
  });

  test('regions include the newer ones and every partition', () => {
    for (const region of [
      'ap-southeast-5',
      'ap-southeast-7',
      'mx-central-1',
      'ca-west-1',
      'il-central-1',
      'me-central-1',
      'ap-south-2',
      'eu-south-2',
      'eu-central-2',
      'ap-southeast-4',
      'ap-east-2',
      'ap-southeast-6',
    ]) {
      assert.ok(isRegion(region), region);
    }
    assert.equal(partitionOf('cn-northwest-1'), 'aws-cn');
    assert.equal(partitionOf('us-gov-east-1'), 'aws-us-gov');
    assert.equal(partitionOf('us-east-1'), 'aws');
    assert.equal(isRegion('us-east-3'), false);
  });
});

describe('hostile input files', () => {
  /** Every control character, shown or not, that a terminal would act on. */
  const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  test('no issue message or fix carries a raw control character into the terminal', async () => {
    for (const invalid of INVALID_BLUEPRINTS) {
      const file = writeBlueprint(invalid.yaml, invalid.files);
      await assert.rejects(loadBlueprint(file), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.doesNotMatch(error.message, TERMINAL_CONTROLS, invalid.name);
        return true;
      });
    }
  });

  test('bytes that are not UTF-8 are refused with their offset and line, before anything reaches AWS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsorg-blueprint-'));
    const file = join(dir, 'awsorg.yaml');
    const head = Buffer.from('version: 1\nregion: us-east-1\norganizationalUnits: [');
    writeFileSync(file, Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from(']\n')]));
    await assert.rejects(loadBlueprint(file), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(
        error.issues.map((i) => i.path),
        ['line 3, column 23'],
      );
      assert.match(error.issues[0]!.message, new RegExp(`is not valid UTF-8: byte 0xff at offset ${head.length}`));
      assert.match(error.issues[0]!.fix, /save the file as UTF-8/);
      return true;
    });
    // A literal U+FFFD, correctly encoded, is text like any other and is not mistaken for a bad byte.
    writeFileSync(file, 'version: 1\nregion: us-east-1\norganizationalUnits: [Ops\uFFFD]\n');
    assert.deepEqual((await loadBlueprint(file)).blueprint.organizationalUnits, ['Ops\uFFFD']);
  });

  test('a policy file that is not UTF-8 is refused without echoing it', async () => {
    const dir = dirname(writeBlueprint(VALID_EXAMPLE_YAML, VALID_EXAMPLE_FILES));
    writeFileSync(join(dir, 'policies/deny-public-s3.json'), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    await assert.rejects(loadBlueprint(join(dir, 'awsorg.yaml')), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(
        error.message,
        /guardrails\.custom\[0\]\.file: policies\/deny-public-s3\.json is not valid UTF-8: byte 0xc3 at offset 2/,
      );
      return true;
    });
  });

  test('policy files must stay inside the blueprint directory, symlinks resolved, and contents are never echoed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'awsorg-outside-'));
    const secretLine = 'root:x:0:0:root:/root:/bin/bash';
    writeFileSync(join(outside, 'passwd'), `${secretLine}\n`);
    const file = writeBlueprint(VALID_EXAMPLE_YAML, {});
    const dir = dirname(file);
    mkdirSync(join(dir, 'policies'));
    // A link inside the directory that points outside it.
    symlinkSync(join(outside, 'passwd'), join(dir, 'policies/deny-public-s3.json'));
    await assert.rejects(loadBlueprint(file), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      const issue = error.issues.find((i) => i.path === 'guardrails.custom[0].file');
      assert.ok(issue, describeIssues(error.issues));
      assert.match(issue.message, /resolves through a link to .*passwd, outside the blueprint's directory/);
      assert.match(issue.fix, /--allow-outside-files/);
      assert.doesNotMatch(error.message, /root:/);
      return true;
    });
    // Allowed explicitly, the file is read; its parse error still says where, never what.
    await assert.rejects(loadBlueprint(file, { allowOutsideFiles: true }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /guardrails\.custom\[0\]\.file: policies\/deny-public-s3\.json is not valid JSON/);
      assert.doesNotMatch(error.message, /root|bash/);
      return true;
    });
    // A link that stays inside the directory is fine.
    writeFileSync(join(dir, 'real-policy.json'), DENY_PUBLIC_S3_POLICY);
    rmSync(join(dir, 'policies/deny-public-s3.json'));
    symlinkSync(join(dir, 'real-policy.json'), join(dir, 'policies/deny-public-s3.json'));
    assert.deepEqual((await loadBlueprint(file)).customPolicies['deny-public-s3'], JSON.parse(DENY_PUBLIC_S3_POLICY));
    // Allowed explicitly, a valid policy outside the directory loads.
    writeFileSync(join(outside, 'deny.json'), DENY_PUBLIC_S3_POLICY);
    const yaml = VALID_EXAMPLE_YAML.replace(
      'file: policies/deny-public-s3.json',
      `file: ${join(outside, 'deny.json')}`,
    );
    writeFileSync(file, yaml);
    assert.deepEqual(
      (await loadBlueprint(file, { allowOutsideFiles: true })).customPolicies['deny-public-s3'],
      JSON.parse(DENY_PUBLIC_S3_POLICY),
    );
  });

  test('a policy "file" that is a FIFO or a device is refused, not read', async () => {
    const file = writeBlueprint(
      VALID_EXAMPLE_YAML.replace('file: policies/deny-public-s3.json', 'file: /dev/zero'),
      {},
    );
    await assert.rejects(loadBlueprint(file, { allowOutsideFiles: true }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /\/dev\/zero is not a regular file/);
      return true;
    });
  });
});

/**
 * AWS counts a policy's size without whitespace, so a file that is over the limit as written
 * (pretty-printed) but within it once minified must load, and the document sent to AWS is the
 * minified one.
 */
describe('policy size limits count the minified document', () => {
  const LIMIT = 10_240;

  /** A policy file whose document is exactly `size` characters minified and far longer pretty-printed. */
  function policyFile(size: number): { text: string; document: Record<string, unknown> } {
    const statement = {
      Sid: 'DenyManyWrites',
      Effect: 'Deny',
      Action: Array.from({ length: 400 }, (_, i) => `s3:PutObjectVariant${String(i).padStart(3, '0')}`),
      Resource: '',
    };
    const document = { Version: '2012-10-17', Statement: [statement] };
    const prefix = 'arn:aws:s3:::acme-';
    const padding = size - JSON.stringify(document).length - prefix.length;
    assert.ok(padding > 0, 'the padding is positive');
    statement.Resource = `${prefix}${'a'.repeat(padding)}`;
    assert.equal(JSON.stringify(document).length, size);
    const text = JSON.stringify(document, null, 4);
    assert.ok(text.length > LIMIT + 2_000, `pretty-printed it is ${text.length} characters, well over the limit`);
    return { text, document };
  }

  const customYaml = VALID_EXAMPLE_YAML;
  const customFile = 'policies/deny-public-s3.json';
  const inlineYaml = VALID_EXAMPLE_YAML.replace(
    'policyArns: [] }',
    'policyArns: [], inlinePolicy: policies/deploy.json }',
  );
  const inlineFile = 'policies/deploy.json';

  test('a custom SCP at the limit once minified loads, though its file is longer; the plan sends the minified text', async () => {
    const { text, document } = policyFile(LIMIT);
    const loaded = await loadBlueprint(writeBlueprint(customYaml, { [customFile]: text }));
    assert.deepEqual(loaded.customPolicies['deny-public-s3'], document);
    const scp = guardrailPolicies(loaded).find((p) => p.guardrail === 'custom:deny-public-s3')!;
    const create = guardrailsStep
      .plan({ policies: {}, targetIds: {} }, loaded, {
        allowRoot: false,
        memberRoleName: 'OrganizationAccountAccessRole',
        omitTlsDenyStatement: false,
      })
      .find((c) => c.data.kind === 'create' && c.data.name === scp.name)!;
    assert.equal(create.data.kind === 'create' && create.data.content.length, LIMIT);
    assert.equal(minifyPolicy(scp.document).length, LIMIT);
  });

  test('a custom SCP one character over the limit once minified is refused, naming its size and the limit', async () => {
    const issues = await loadIssues(customYaml, { [customFile]: policyFile(LIMIT + 1).text });
    const issue = issues.find((i) => i.path === 'guardrails.custom[0].file');
    assert.ok(issue, describeIssues(issues));
    assert.match(
      issue.message,
      new RegExp(`${customFile} is ${LIMIT + 1} characters once minified; an SCP may be at most ${LIMIT}`),
    );
    assert.match(issue.fix, /split it into two policies or shorten it/);
  });

  test("the deploy role's inline policy at the limit once minified loads, though its file is longer; the plan sends the minified text", async () => {
    const { text, document } = policyFile(LIMIT);
    const loaded = await loadBlueprint(writeBlueprint(inlineYaml, { ...VALID_EXAMPLE_FILES, [inlineFile]: text }));
    assert.deepEqual(loaded.deployInlinePolicy, document);
    const put = ciOidcStep
      .plan(
        {
          accountExists: true,
          partition: 'aws',
          accountId: '123456789012',
          provider: undefined,
          role: undefined,
        } satisfies ObservedCiOidc,
        loaded,
        {
          allowRoot: false,
          memberRoleName: 'OrganizationAccountAccessRole',
          omitTlsDenyStatement: false,
        },
      )
      .find((c) => c.calls[0] === 'iam:PutRolePolicy')!;
    assert.ok(put, 'the inline policy is put');
    assert.equal((put.data as { document: string }).document.length, LIMIT);
  });

  test("the deploy role's inline policy one character over the limit once minified is refused", async () => {
    const issues = await loadIssues(inlineYaml, { ...VALID_EXAMPLE_FILES, [inlineFile]: policyFile(LIMIT + 1).text });
    const issue = issues.find((i) => i.path === 'ciOidc.inlinePolicy');
    assert.ok(issue, describeIssues(issues));
    assert.match(
      issue.message,
      new RegExp(
        `${inlineFile} is ${LIMIT + 1} characters once minified; a role's inline policy may be at most ${LIMIT}`,
      ),
    );
  });
});
