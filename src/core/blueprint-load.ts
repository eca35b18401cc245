/**
 * Reads and validates the blueprint. Validation is pure and collects every problem at once, so
 * an operator fixes the file in one pass; only `loadBlueprint` touches the file system.
 *
 * AWS (and moto in tests) accepts many of these mistakes, or fails only halfway through a
 * bootstrap (an invalid email fails CreateAccount minutes later), so everything that can be
 * checked offline is checked here, before any AWS call.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Blueprint, LoadedBlueprint } from './blueprint.js';
import {
  at,
  findPlaceholders,
  isPlainObject,
  kindOf,
  TERMINAL_CONTROL,
  TERMINAL_CONTROLS,
  visibleText,
} from './blueprint-formats.js';
import { type Add, CROSS_FIELD_RULES, checkPolicyDocument } from './blueprint-rules.js';
import { BlueprintSchema, DEFAULT_NONCURRENT_VERSION_DAYS, mappingHints } from './blueprint-schema.js';
import { UsageError, ValidationError, type ValidationIssue } from './errors.js';
import { decodeUtf8, errorText, readPolicyFile } from './policy-files.js';
import { SCP_MAX_CHARS } from './scp-limits.js';
import { closest } from './suggest.js';

export {
  accountNameProblem,
  bucketNameProblem,
  bucketNameSuggestion,
  emailProblem,
  type FieldProblem,
  findPlaceholders,
  placeholderProblem,
  visibleText,
} from './blueprint-formats.js';
export { DEFAULT_NONCURRENT_VERSION_DAYS };

export interface ValidateOptions {
  /** Custom guardrail name -> parsed policy document, or the Error met reading/parsing its file. */
  customPolicies?: Record<string, unknown>;
  /** The parsed `ciOidc.inlinePolicy` document, or the Error met reading/parsing it. */
  deployInlinePolicy?: unknown;
  /**
   * Refuse the presets' placeholders (emails at example.com and other reserved domains, names
   * with `change-me`). Every real run refuses them; a rehearsal, or an explicit
   * `--allow-placeholders` against an emulator, does not.
   */
  refusePlaceholders?: boolean;
}

export interface ValidationResult {
  /** Present only when there are no issues; optional fields carry their defaults. */
  blueprint?: Blueprint;
  issues: ValidationIssue[];
}

export const DEFAULT_GITLAB_URL = 'https://gitlab.com';
/** IAM's limit on the inline policies of one role, whitespace excluded. */
const INLINE_ROLE_POLICY_MAX_CHARS = 10_240;

// ---------------------------------------------------------------------------------------------
// Entry points

/** Parses YAML text. Syntax errors throw a ValidationError whose paths give line and column. */
export function parseBlueprintText(text: string, source: string): unknown {
  return parseWithPositions(text, source).value;
}

export function validateBlueprint(raw: unknown, opts: ValidateOptions = {}): ValidationResult {
  const issues: ValidationIssue[] = [];
  const add: Add = (path, message, fix) => {
    issues.push({ path: visibleText(path), message: visibleText(message), fix: visibleText(fix) });
  };
  const blueprint = checkBlueprint(add, raw, opts);
  return blueprint && issues.length === 0 ? { blueprint, issues: [] } : { issues };
}

export interface LoadOptions {
  /**
   * Let policy files resolve outside the blueprint's directory. Off by default, so a blueprint
   * from a pull request cannot make a CI plan read (and report on) any file the runner can read.
   */
  allowOutsideFiles?: boolean;
  /**
   * The directory the blueprint's relative paths start from, when it is not the file's own: a
   * rehearsal keeps its copy of the blueprint in its workspace, and resolves its paths where
   * the operator works.
   */
  baseDir?: string;
  /** Accept placeholder values (a rehearsal, or --allow-placeholders against an emulator); refused by default. */
  allowPlaceholders?: boolean;
}

/**
 * Reads a blueprint file and the files it names (custom SCPs, the deploy role's inline policy)
 * relative to its directory. Throws ValidationError listing every problem, before any AWS call.
 */
export async function loadBlueprint(file: string, opts: LoadOptions = {}): Promise<LoadedBlueprint> {
  const path = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(
      `Cannot read the blueprint ${path}: ${errorText(error)}`,
      'Pass an existing YAML file with --config.',
    );
  }
  const text = decodeUtf8(bytes, (bad) => {
    throw new ValidationError(path, [
      {
        path: `line ${bad.line}, column ${bad.column}`,
        message: bad.message,
        fix: `save the file as UTF-8 (for example: iconv -f latin1 -t utf-8 ${path} > fixed.yaml)`,
      },
    ]);
  });
  const { value: raw, document, lineCounter } = parseWithPositions(text, path);
  const baseDir = opts.baseDir ?? dirname(path);

  // Files are read before validation so a missing file is reported with every other problem.
  const allowOutside = opts.allowOutsideFiles ?? false;
  const customPolicies: Record<string, unknown> = {};
  for (const { name, file: policyFile } of referencedCustomPolicies(raw)) {
    customPolicies[name] = await readPolicyFile(baseDir, policyFile, allowOutside);
  }
  const inlinePolicyFile = referencedInlinePolicy(raw);
  const deployInlinePolicy =
    inlinePolicyFile === undefined ? undefined : await readPolicyFile(baseDir, inlinePolicyFile, allowOutside);

  const result = validateBlueprint(raw, {
    customPolicies,
    deployInlinePolicy,
    refusePlaceholders: !opts.allowPlaceholders,
  });
  if (!result.blueprint) {
    throw new ValidationError(
      path,
      result.issues.map((issue) => withLine(issue, document, lineCounter)),
    );
  }
  return {
    blueprint: result.blueprint,
    file: path,
    baseDir,
    customPolicies: Object.fromEntries(
      (result.blueprint.guardrails?.custom ?? []).map((c) => [c.name, customPolicies[c.name]]),
    ),
    deployInlinePolicy,
  };
}

/**
 * A LoadedBlueprint for a blueprint that has no file (a preset, or one built in the wizard).
 * Nothing is read from disk, so custom guardrails and an inline deploy policy are refused.
 */
export function loadedFromBlueprint(
  blueprint: Blueprint,
  baseDir: string,
  source = 'the blueprint',
  opts: Pick<LoadOptions, 'allowPlaceholders'> = {},
): LoadedBlueprint {
  // No customPolicies: the documents cannot exist, and the issues below say why once.
  const result = validateBlueprint(blueprint, { refusePlaceholders: !opts.allowPlaceholders });
  const issues = [...result.issues];
  for (const i of (blueprint.guardrails?.custom ?? []).keys())
    issues.push({
      path: `guardrails.custom[${i}]`,
      message: 'needs a policy file, and a blueprint that was not loaded from a file cannot name one',
      fix: 'write the blueprint to a YAML file next to the policy file and pass it with --config',
    });
  if (blueprint.ciOidc?.inlinePolicy !== undefined) {
    issues.push({
      path: 'ciOidc.inlinePolicy',
      message: 'names a file, and a blueprint that was not loaded from a file cannot name one',
      fix: 'write the blueprint to a YAML file next to the policy file and pass it with --config',
    });
  }
  if (issues.length > 0 || !result.blueprint) throw new ValidationError(source, issues);
  return { blueprint: result.blueprint, file: undefined, baseDir, customPolicies: {}, deployInlinePolicy: undefined };
}

/** Reports every text in the document (values and field names) that holds a control character. */
function checkControlCharacters(add: Add, value: unknown, path: string): void {
  if (typeof value === 'string') {
    const match = TERMINAL_CONTROL.exec(value);
    if (!match) return;
    const count = value.match(TERMINAL_CONTROLS)?.length ?? 1;
    const plain = value.replace(TERMINAL_CONTROLS, '');
    add(
      path || '(document)',
      `'${value}' contains control character ${visibleText(match[0])} at character ${match.index + 1}${count > 1 ? ` (and ${count - 1} more)` : ''}; AWS would store it and terminals would act on it`,
      plain.trim() === ''
        ? 'write plain text without control characters'
        : `remove ${count > 1 ? 'them' : 'it'}, e.g. '${plain}'`,
    );
    return;
  }
  if (Array.isArray(value)) for (const [i, item] of value.entries()) checkControlCharacters(add, item, `${path}[${i}]`);
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (TERMINAL_CONTROL.test(key))
        add(at(path, key), 'is a field name with a control character', 'retype the field name');
      else checkControlCharacters(add, item, at(path, key));
    }
  }
}

/** Reports every placeholder value in the document, by path; the first one also says where they are accepted. */
function checkPlaceholders(add: Add, value: unknown): void {
  for (const [i, { path, problem }] of findPlaceholders(value).entries())
    add(
      path,
      problem.message,
      i > 0
        ? problem.fix
        : `${problem.fix} (they are accepted only against an emulator: in a rehearsal, \`awsorg bootstrap --rehearse\`, or with --allow-placeholders)`,
    );
}

// ---------------------------------------------------------------------------------------------
// The blueprint: the schema's issues, then the cross-field rules

type Path = PropertyKey[];
type Payload = { value: unknown; issues: z.core.$ZodRawIssue[] };

function checkBlueprint(add: Add, raw: unknown, opts: ValidateOptions): Blueprint | undefined {
  if (raw === undefined || raw === null) {
    add(
      '(document)',
      'is empty',
      'write a blueprint with at least `version: 1` and `region:`, or start from a preset (standard, three-accounts, regulated)',
    );
    return undefined;
  }
  checkControlCharacters(add, raw, '');
  if (opts.refusePlaceholders) checkPlaceholders(add, raw);
  let input = withoutNulls(raw);
  let result = run(input);
  for (const issue of result.issues) describeIssue(add, issue, raw);
  // The rules need a typed blueprint: values of the wrong type are replaced or dropped, and the
  // lists that lost entries are marked so references into them are not checked.
  const incomplete = new Set<string>();
  for (let round = 0; round < 5 && result.issues.some((i) => !i.continue); round++) {
    input = repaired(input, result.issues, incomplete);
    result = run(input);
  }
  if (result.issues.some((i) => !i.continue)) return undefined;
  const blueprint = result.value as Blueprint;
  for (const rule of CROSS_FIELD_RULES) rule({ blueprint, incomplete }, add);
  checkPolicyFiles(add, blueprint, opts, incomplete);
  const { ciOidc } = blueprint;
  if (ciOidc?.provider === 'gitlab' && ciOidc.url === undefined) ciOidc.url = DEFAULT_GITLAB_URL;
  return blueprint;
}

/** The schema's parse with every issue kept, continuable ones (formats) included, and the value it built. */
function run(input: unknown): Payload {
  return BlueprintSchema._zod.run({ value: input, issues: [] }, { reportInput: true }) as Payload;
}

function checkPolicyFiles(add: Add, blueprint: Blueprint, opts: ValidateOptions, incomplete: Set<string>): void {
  const policies = opts.customPolicies;
  if (policies && !incomplete.has('guardrails.custom'))
    (blueprint.guardrails?.custom ?? []).forEach(({ name, file }, i) => {
      if (name.trim() && file.trim())
        checkPolicyDocument(add, `guardrails.custom[${i}].file`, file, policies[name], SCP_MAX_CHARS, 'an SCP');
    });
  const inline = blueprint.ciOidc?.inlinePolicy;
  if (inline?.trim() && 'deployInlinePolicy' in opts)
    checkPolicyDocument(
      add,
      'ciOidc.inlinePolicy',
      inline,
      opts.deployInlinePolicy,
      INLINE_ROLE_POLICY_MAX_CHARS,
      "a role's inline policy",
    );
}

/** YAML `key:` with nothing after it reads as null: a field set to null is treated as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

/** A copy of `input` where each value with a type issue is dropped (a list entry) or replaced by a neutral one. */
function repaired(input: unknown, issues: z.core.$ZodRawIssue[], incomplete: Set<string>): unknown {
  const copy = structuredClone(input);
  const removals: Array<[unknown[], number]> = [];
  for (const issue of issues.filter((i) => !i.continue)) {
    const path = issue.path ?? [];
    const index = path.findLastIndex((s) => typeof s === 'number');
    if (index >= 0) {
      const list = valueAt(copy, path.slice(0, index));
      if (Array.isArray(list)) removals.push([list, path[index] as number]);
      incomplete.add(pathText(path.slice(0, index)));
      continue;
    }
    if (path.length === 0) continue;
    const parent = valueAt(copy, path.slice(0, -1));
    if (!isPlainObject(parent)) continue;
    const key = String(path[path.length - 1]);
    const expected = 'expected' in issue ? String(issue.expected) : undefined;
    const options = 'values' in issue && Array.isArray(issue.values) ? issue.values : [];
    const neutral = {
      array: [],
      string: ' ',
      boolean: true,
      number: DEFAULT_NONCURRENT_VERSION_DAYS,
      int: 1,
    } as Record<string, unknown>;
    if (issue.code === 'invalid_value' && options.length > 0) parent[key] = options[0];
    else if (expected !== undefined && expected in neutral) parent[key] = neutral[expected];
    else delete parent[key];
    incomplete.add(pathText(path));
  }
  for (const [list, i] of removals.sort((a, b) => b[1] - a[1])) list.splice(i, 1);
  return copy;
}

function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    value,
  );
}

function pathText(path: Path): string {
  return path.reduce<string>((text, s) => (typeof s === 'number' ? `${text}[${s}]` : at(text, String(s))), '');
}

/** The schema that validates `path`, with the wrappers (optional, default) peeled off. */
function schemaAt(path: Path): { schema: z.ZodType; optional: boolean } {
  let schema: z.ZodType = BlueprintSchema;
  let optional = false;
  const peel = () => {
    optional = false;
    while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
      optional = true;
      schema = schema.unwrap() as z.ZodType;
    }
  };
  for (const key of path) {
    peel();
    if (schema instanceof z.ZodObject) schema = schema.shape[String(key)] ?? z.never();
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema._zod.def.valueType as z.ZodType;
  }
  peel();
  return { schema, optional };
}

const example = (schema: z.ZodType): string | undefined => {
  const meta = schema.meta();
  if (schema instanceof z.ZodEnum) return String(schema.options[0]);
  return Array.isArray(meta?.examples) ? String(meta.examples[0]) : undefined;
};

/** A section is named by its key (`stateBackend`); a list entry or the document by what it is. */
function sectionName(path: Path): string | undefined {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : undefined;
}

/** One schema issue in the loader's words: the field's YAML path, what is wrong, and the fix. */
function describeIssue(add: Add, issue: z.core.$ZodRawIssue, raw: unknown): undefined {
  const path = issue.path ?? [];
  const where = pathText(path) || '(document)';
  const key = String(path[path.length - 1] ?? '');
  const inList = typeof path[path.length - 1] === 'number';
  const { schema, optional } = schemaAt(path);
  const value = valueAt(raw, path);
  const eg = example(schema);
  const present = value !== undefined && value !== null;
  if (issue.code === 'custom') return add(where, issue.message ?? '', String(issue.params?.fix ?? ''));
  if (issue.code === 'unrecognized_keys') {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const what = sectionName(path) ?? mappingHints.get(schema)?.what ?? 'the blueprint';
    for (const unknown of issue.keys) {
      const guess = closest(unknown, known);
      add(
        at(pathText(path), unknown),
        `is not a field of ${what}`,
        guess ? `did you mean '${guess}'?` : `remove it; the fields are ${known.join(', ')}`,
      );
    }
    return;
  }
  if (path.length === 1 && key === 'version')
    return present
      ? add('version', `is ${kindOf(value)}; this awsorg reads blueprint version 1 only`, 'set `version: 1`')
      : add('version', 'is missing', 'add `version: 1` at the top of the file');
  if (!present && !inList)
    return add(where, value === null ? 'is empty' : 'is required', `add \`${key}: ${eg ?? ''}\``);
  const hint = mappingHints.get(schema);
  if (hint) {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
    const fix = hint.example ? `write it as ${hint.example}` : `write it as fields: ${known}`;
    return add(
      where,
      `${hint.message ?? `must be a mapping of fields (${sectionName(path) ?? hint.what})`}, got ${kindOf(value)}`,
      fix,
    );
  }
  if (schema instanceof z.ZodArray)
    return add(
      where,
      `must be a list, got ${kindOf(value)}`,
      typeof value === 'string'
        ? `write it as a list: ${key}: [${value}]`
        : "write it as a list, one entry per line starting with '-'",
    );
  if (schema instanceof z.ZodBoolean)
    return add(
      where,
      `must be true or false, got ${kindOf(value)}`,
      `write ${key}: true or ${key}: false, without quotes`,
    );
  if (schema instanceof z.ZodNumber)
    return add(
      where,
      `must be a whole number of at least 1, got ${kindOf(value)}`,
      `write e.g. ${key}: ${DEFAULT_NONCURRENT_VERSION_DAYS}`,
    );
  if (typeof value !== 'string') {
    const quote = typeof value === 'number' || typeof value === 'boolean';
    if (inList)
      return add(
        where,
        `must be text, got ${kindOf(value)}`,
        typeof value === 'number' ? `quote it: '${value}'` : 'write one value per entry, or remove the entry',
      );
    return add(
      where,
      `must be text, got ${kindOf(value)}`,
      quote
        ? `quote it: ${key}: '${String(value)}'`
        : `write a single value${eg && !optional ? `, e.g. ${key}: ${eg}` : ''}`,
    );
  }
  if (value.trim() === '')
    return add(
      where,
      'is empty',
      inList
        ? 'write one value per entry, or remove the entry'
        : optional && !eg
          ? `set a value or remove ${key}`
          : optional
            ? `set a value or remove ${key}`
            : `set it, e.g. ${key}: ${eg}`,
    );
  if (schema instanceof z.ZodEnum) {
    const allowed = schema.options.map(String);
    const guess = closest(value, allowed);
    const what = inList ? `${schema.description?.toLowerCase() ?? 'an allowed value'}` : `one of ${allowed.join(', ')}`;
    return add(
      where,
      `'${value}' is not ${what}`,
      guess ? `did you mean '${guess}'?` : `use one of ${allowed.join(', ')}`,
    );
  }
  add(where, `is not valid (${issue.code})`, 'correct the value');
}

// ---------------------------------------------------------------------------------------------
// Files and YAML positions

function parseWithPositions(
  text: string,
  source: string,
): { value: unknown; document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  // prettyErrors fills in linePos; the code excerpt it appends to the message is dropped.
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const issues: ValidationIssue[] = document.errors.map((error) => {
    const pos = error.linePos?.[0];
    const message = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
    return {
      path: pos ? `line ${pos.line}, column ${pos.col}` : '(document)',
      message: `YAML syntax error: ${visibleText(message)}`,
      fix:
        error.code === 'DUPLICATE_KEY'
          ? 'keep one of the repeated keys'
          : 'correct the YAML at that position (check indentation, colons and quotes)',
    };
  });
  if (issues.length > 0) throw new ValidationError(source, issues);
  try {
    return { value: document.toJS({ maxAliasCount: 100 }), document, lineCounter };
  } catch (error) {
    throw new ValidationError(source, [
      {
        path: '(document)',
        message: `cannot be read as YAML: ${errorText(error)}`,
        fix: 'remove anchors and aliases (&name / *name) and write the values out',
      },
    ]);
  }
}

/** Appends the YAML line an issue points at, when the path resolves to a node in the file. */
function withLine(issue: ValidationIssue, document: Document, lineCounter: LineCounter): ValidationIssue {
  const segments: Array<string | number> = [];
  for (const match of issue.path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? ''));
  }
  for (let length = segments.length; length > 0; length--) {
    const offset = fieldOffset(document, segments.slice(0, length));
    if (offset !== undefined)
      return { ...issue, message: `${issue.message} (line ${lineCounter.linePos(offset).line})` };
  }
  return issue;
}

/** Where a field starts: its key for a mapping field (so unknown fields point at their name), its item in a list. */
function fieldOffset(document: Document, segments: Array<string | number>): number | undefined {
  const last = segments[segments.length - 1];
  let parent: unknown;
  try {
    parent = segments.length === 1 ? document.contents : document.getIn(segments.slice(0, -1), true);
  } catch {
    return undefined;
  }
  let node: unknown;
  if (isMap(parent))
    node = parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(last))?.key;
  else if (isSeq(parent) && typeof last === 'number') node = parent.items[last];
  return isNode(node) ? node.range?.[0] : undefined;
}

function referencedCustomPolicies(raw: unknown): Array<{ name: string; file: string }> {
  const custom = isPlainObject(raw) && isPlainObject(raw.guardrails) ? raw.guardrails.custom : undefined;
  if (!Array.isArray(custom)) return [];
  return custom.flatMap((entry: unknown) =>
    isPlainObject(entry) && typeof entry.name === 'string' && typeof entry.file === 'string' && entry.file.trim() !== ''
      ? [{ name: entry.name, file: entry.file }]
      : [],
  );
}

function referencedInlinePolicy(raw: unknown): string | undefined {
  const ciOidc = isPlainObject(raw) ? raw.ciOidc : undefined;
  const file = isPlainObject(ciOidc) ? ciOidc.inlinePolicy : undefined;
  return typeof file === 'string' && file.trim() !== '' ? file : undefined;
}
