import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { validateBlueprint } from '../../src/core/blueprint-load.js';
import { blueprintJsonSchemaText } from '../../src/core/blueprint-schema.js';
import { PRESET_NAMES, preset, presetYaml } from '../../src/core/presets.js';
import { blueprintSchemaUrl, packageVersion } from '../../src/core/schema-url.js';
import { INVALID_BLUEPRINTS, VALID_EXAMPLE_YAML } from '../fixtures/invalid-blueprints.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const schemaFile = join(root, 'schema/blueprint.schema.json');
const REGENERATE = 'npm run build && node scripts/blueprint-schema.mjs';

/** Corpus cases whose mistake is structural: a type, an enum, a required field, an unknown key, a format pattern. */
// The rest of the corpus is cross-field (references, duplicates, sizes), placeholders (refused only
// outside a rehearsal), policy files, control characters, or the Region catalogue: the loader's job.
const STRUCTURAL = [
  'empty file',
  'version 2',
  'version missing',
  'unknown top-level field',
  'unknown nested field',
  'unknown account field',
  'accounts as a mapping',
  'organizationalUnits as text',
  'region as a list',
  'account entry as text',
  'enforceTls as text',
  'noncurrentVersionDays zero',
  'email without a dot in its domain',
  'email too short',
  'email too long',
  'email with two @',
  'account name too long',
  'account name not ASCII',
  'account tags as text',
  'account tag key with the aws: prefix',
  'account tag value not text',
  'duplicate OU',
  'OU too deep',
  'OU with an empty segment',
  'OU name longer than 128',
  'OU path starting at Root',
  'guardrail without targets',
  'requireMfa action without a service',
  'custom guardrail name with spaces',
  'bucket with uppercase letters',
  'bucket with an underscore',
  'bucket too short',
  'bucket like an IP address',
  'bucket with adjacent periods',
  'bucket with a reserved prefix',
  'bucket with a reserved suffix',
  'unknown lock kind',
  'invalid table name',
  'unknown encryption',
  'repository with a wildcard',
  'ref with a wildcard',
  'short ref',
  'unknown provider',
  'invalid role name',
  'invalid policy ARN',
  'trail name too short',
  'trail name with adjacent punctuation',
  'trusted service that is not a principal',
  'unknown policy type',
  'unknown terraform tool',
  'state key with a leading slash',
  'empty state key',
];

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
}

describe('the blueprint JSON Schema', () => {
  test('the committed schema/blueprint.schema.json is the one the zod schema generates', () => {
    assert.equal(
      readFileSync(schemaFile, 'utf8'),
      blueprintJsonSchemaText(),
      `schema/blueprint.schema.json is stale; regenerate it with: ${REGENERATE}`,
    );
  });

  test('`awsorg blueprint schema` prints the committed file', () => {
    const printed = execFileSync(process.execPath, [join(root, 'dist/bin/awsorg.cjs'), 'blueprint', 'schema'], {
      encoding: 'utf8',
    });
    assert.equal(printed, readFileSync(schemaFile, 'utf8'));
  });

  test('it rejects unknown keys, describes fields, and carries enums and patterns', () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.accounts.items.additionalProperties, false);
    assert.equal(schema.properties.stateBackend.additionalProperties, false);
    assert.match(schema.properties.region.description, /Region/);
    assert.deepEqual(schema.properties.stateBackend.properties.lock.enum, ['dynamodb', 'lockfile', 'both']);
    assert.ok(schema.properties.accounts.items.properties.email.pattern);
  });

  test('ajv accepts every preset, as objects and as the YAML awsorg writes, and the example', () => {
    const validate = validator();
    for (const name of PRESET_NAMES) {
      assert.ok(validate(preset(name)), `${name}: ${JSON.stringify(validate.errors)}`);
      assert.ok(validate(parse(presetYaml(name))), `${name} YAML: ${JSON.stringify(validate.errors)}`);
    }
    assert.ok(validate(parse(VALID_EXAMPLE_YAML)), JSON.stringify(validate.errors));
  });

  test('ajv rejects the structural cases of the bad-input corpus', () => {
    const validate = validator();
    const cases = INVALID_BLUEPRINTS.filter((c) => STRUCTURAL.includes(c.name));
    assert.equal(cases.length, STRUCTURAL.length, 'a structural case was renamed or removed from the corpus');
    for (const invalid of cases) assert.equal(validate(parse(invalid.yaml)), false, invalid.name);
  });

  test('a field left empty (`ciOidc:` with nothing after it) is absent to the loader and to the schema alike', () => {
    // The loader reads YAML's empty value as "not set"; an editor must not mark such a file as wrong.
    const emptied = presetYaml('standard')
      .replace(/^ciOidc:\n(?: {2}.*\n)+/m, 'ciOidc:\n')
      .replace(/^guardrails:\n(?: {2}.*\n)+/m, 'guardrails:\n')
      .replace(/tags: \{ environment: production \}/, 'tags:');
    const raw = parse(emptied);
    assert.equal(raw.ciOidc, null);
    assert.equal(raw.guardrails, null);
    assert.equal(raw.accounts.at(-1).tags, null);
    assert.deepEqual(validateBlueprint(raw).issues, []);
    const validate = validator();
    assert.ok(validate(raw), JSON.stringify(validate.errors));
    // A required field left empty is still refused by both.
    const noRegion = parse(presetYaml('standard').replace(/^region: .*$/m, 'region:'));
    assert.notDeepEqual(validateBlueprint(noRegion).issues, []);
    assert.equal(validate(noRegion), false);
  });

  test('every blueprint awsorg writes starts with the versioned $schema line', () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
    assert.equal(packageVersion(), version);
    const line = `# yaml-language-server: $schema=https://unpkg.com/awsorg@${version}/schema/blueprint.schema.json`;
    assert.equal(blueprintSchemaUrl(), line.slice(line.indexOf('=') + 1));
    for (const name of PRESET_NAMES) assert.equal(presetYaml(name).split('\n')[0], line, name);
  });
});

/** A minimal LSP client over stdio: requests, notifications, and answers to the server's requests. */
class Lsp {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly server: ChildProcessWithoutNullStreams) {
    server.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const header = this.buffer.indexOf('\r\n\r\n');
        if (header < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, header).toString())?.[1]);
        if (this.buffer.length < header + 4 + length) return;
        const message = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString());
        this.buffer = this.buffer.subarray(header + 4 + length);
        this.receive(message);
      }
    });
  }

  private receive(message: { id?: number; method?: string; params?: unknown }): void {
    if (message.method && message.id !== undefined) {
      // workspace/configuration and the like: default settings, validation on.
      const items = (message.params as { items?: unknown[] })?.items ?? [];
      this.send({ jsonrpc: '2.0', id: message.id, result: items.map(() => ({ validate: true })) });
    } else if (message.method) this.notifications.push({ method: message.method, params: message.params });
    for (const wake of this.waiters.splice(0)) wake();
  }

  send(message: object): void {
    const body = JSON.stringify(message);
    this.server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  request(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', id: this.nextId++, method, params });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  async until<T>(find: () => T | undefined, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; notifications: ${JSON.stringify(this.notifications).slice(0, 2000)}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }
}

describe('an editor with the YAML language server', () => {
  test('flags a misspelt key in awsorg.yaml at its line, from the committed schema', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsorg-lsp-'));
    const file = join(dir, 'awsorg.yaml');
    const text = [
      `# yaml-language-server: $schema=${pathToFileURL(schemaFile).href}`,
      'version: 1',
      'region: us-east-1',
      'acounts: []',
      '',
    ].join('\n');
    writeFileSync(file, text);
    const server = spawn(join(root, 'node_modules/.bin/yaml-language-server'), ['--stdio']);
    try {
      const lsp = new Lsp(server);
      lsp.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
      lsp.notify('initialized', {});
      lsp.notify('workspace/didChangeConfiguration', { settings: { yaml: { validate: true } } });
      const uri = pathToFileURL(file).href;
      lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
      type Diagnostic = { range: { start: { line: number } }; message: string };
      const diagnostics = await lsp.until(() => {
        const published = lsp.notifications.filter(
          (n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri,
        );
        const last = published[published.length - 1]?.params as { diagnostics: Diagnostic[] } | undefined;
        return last && last.diagnostics.length > 0 ? last.diagnostics : undefined;
      }, 15_000);
      const atKey = diagnostics.filter((d) => d.range.start.line === 3);
      assert.ok(atKey.length > 0, `no diagnostic on line 4 (acounts); got ${JSON.stringify(diagnostics)}`);
      assert.match(atKey.map((d) => d.message).join('\n'), /acounts|not allowed/i);
    } finally {
      server.kill();
    }
  });
});
