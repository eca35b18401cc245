/**
 * Validation of a team's runbook file (pure). Every problem names its field and the fix, and
 * all of them are reported at once, before anything runs.
 */
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { templateNames } from './params.js';
import type { Operation, ParamKind, ParamSpec, Runbook, StepDef, StepKind } from './types.js';

const KINDS: readonly StepKind[] = ['check', 'action', 'manual', 'verify'];
const PARAM_KINDS: readonly ParamKind[] = [
  'account',
  'role-name',
  'user-name',
  'access-key-id',
  'bucket',
  'arn',
  'text',
  'mfa-code',
];
const ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Template names every run provides besides its parameters. */
const BUILT_IN_VALUES = new Set(['management', 'incident', 'operator']);

type Obj = Record<string, unknown>;

export function validateRunbook(
  data: unknown,
  source: string,
  operations: Readonly<Record<string, Operation>>,
): Runbook {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string, fix: string) => issues.push({ path, message, fix });
  if (!isObj(data))
    throw new ValidationError(source, [
      {
        path: '(file)',
        message: 'is not a mapping',
        fix: 'write the runbook as a YAML mapping with id, title, steps, …',
      },
    ]);

  const str = (obj: Obj, key: string, path: string, fix: string): string => {
    const v = obj[key];
    if (typeof v !== 'string' || !v.trim()) add(path, 'is missing or empty', fix);
    return typeof v === 'string' ? v : '';
  };
  const lines = (obj: Obj, key: string, fix: string): string[] => {
    const v = obj[key];
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || !x.trim())) {
      add(key, 'must be a non-empty list of sentences', fix);
      return [];
    }
    return v as string[];
  };

  const id = str(data, 'id', 'id', 'give the runbook an id such as isolate-build-account');
  if (id && !ID.test(id))
    add('id', `"${id}" is not a valid runbook id`, 'use 2-63 lower-case letters, digits and hyphens');
  const title = str(data, 'title', 'title', 'give the runbook a one-line title');
  const description = str(data, 'description', 'description', 'say in a sentence or two what the runbook does');
  const whenToUse = lines(data, 'whenToUse', 'list the situations the runbook is for');
  const whenNotToUse = lines(
    data,
    'whenNotToUse',
    'list the situations it must not be used in (this is shown before every run)',
  );

  const params: ParamSpec[] = [];
  const rawParams = data.params ?? [];
  if (!Array.isArray(rawParams))
    add('params', 'must be a list', 'list the parameters, each with name, kind, description and required');
  else
    rawParams.forEach((p, i) => {
      const path = `params[${i}]`;
      if (!isObj(p)) {
        add(path, 'must be a mapping', 'give name, kind, description and required');
        return;
      }
      const name = str(p, 'name', `${path}.name`, 'name the flag, e.g. role-name');
      if (name && !/^[a-z][a-z0-9-]{0,40}$/.test(name))
        add(`${path}.name`, `"${name}" is not a flag name`, 'use lower-case letters, digits and hyphens');
      if (['incident', 'dry-run', 'yes', 'json', 'rehearse', 'runbooks', 'note', ...BUILT_IN_VALUES].includes(name))
        add(`${path}.name`, `"${name}" is reserved`, 'choose another name');
      const kind = p.kind as ParamKind;
      if (!PARAM_KINDS.includes(kind))
        add(`${path}.kind`, `"${String(p.kind)}" is not a parameter kind`, `use one of ${PARAM_KINDS.join(', ')}`);
      const desc = str(p, 'description', `${path}.description`, 'describe the parameter');
      if (typeof p.required !== 'boolean')
        add(`${path}.required`, 'must be true or false', 'say whether the parameter is required');
      if (p.default !== undefined && typeof p.default !== 'string')
        add(`${path}.default`, 'must be a string', 'quote the default value');
      if (params.some((q) => q.name === name))
        add(`${path}.name`, `"${name}" is declared twice`, 'remove the duplicate');
      params.push({
        name,
        kind,
        description: desc,
        required: p.required === true,
        ...(typeof p.default === 'string' ? { default: p.default } : {}),
        ...(p.secret === true ? { secret: true } : {}),
      });
    });

  const known = new Set([...params.map((p) => p.name), ...BUILT_IN_VALUES]);
  const steps: StepDef[] = [];
  if (!Array.isArray(data.steps) || data.steps.length === 0)
    add('steps', 'must be a non-empty list', 'list the steps, each with id, kind, title and does');
  else
    data.steps.forEach((s, i) => {
      const path = `steps[${i}]`;
      if (!isObj(s)) {
        add(path, 'must be a mapping', 'give id, kind, title and does');
        return;
      }
      const stepId = str(s, 'id', `${path}.id`, 'name the step, e.g. capture-policies');
      if (steps.some((x) => x.id === stepId))
        add(`${path}.id`, `"${stepId}" is used twice`, 'give each step its own id');
      const kind = s.kind as StepKind;
      if (!KINDS.includes(kind))
        add(`${path}.kind`, `"${String(s.kind)}" is not a step kind`, `use one of ${KINDS.join(', ')}`);
      const step: StepDef = {
        id: stepId,
        kind,
        title: str(s, 'title', `${path}.title`, 'give the step a title'),
        does: str(s, 'does', `${path}.does`, 'say what the step will do'),
      };
      if (kind === 'manual') {
        step.prompt = str(s, 'prompt', `${path}.prompt`, 'write the question the operator acknowledges');
      } else if (KINDS.includes(kind)) {
        const opName = typeof s.operation === 'string' ? s.operation : '';
        const op = operations[opName];
        if (!op)
          add(
            `${path}.operation`,
            opName ? `"${opName}" is not an operation awsorg has` : 'is missing',
            `use one of: ${
              Object.entries(operations)
                .filter(([, o]) => o.kind === kind)
                .map(([n]) => n)
                .join(', ') || '(none of this kind)'
            }`,
          );
        else if (op.kind !== kind)
          add(
            `${path}.operation`,
            `"${opName}" is a ${op.kind} operation, not a ${kind}`,
            `make the step kind ${op.kind}, or pick a ${kind} operation`,
          );
        step.operation = opName;
        const runsAs = s.runsAs;
        if (!isObj(runsAs))
          add(
            `${path}.runsAs`,
            'is missing',
            'pin the step: runsAs: { account: "{{account}}", role: OrganizationAccountAccessRole, region: us-east-1 }',
          );
        else {
          for (const key of ['account', 'role', 'region'] as const) {
            const value = str(
              runsAs,
              key,
              `${path}.runsAs.${key}`,
              `give the ${key} explicitly (a value or a {{parameter}})`,
            );
            for (const name of templateNames(value))
              if (!known.has(name))
                add(
                  `${path}.runsAs.${key}`,
                  `refers to {{${name}}}, which is not a parameter`,
                  'declare it under params, or use {{management}}',
                );
          }
          step.runsAs = {
            account: String(runsAs.account ?? ''),
            role: String(runsAs.role ?? ''),
            region: String(runsAs.region ?? ''),
          };
        }
        if (s.continueOnFail === true) step.continueOnFail = true;
        if (s.timeoutSeconds !== undefined) {
          if (typeof s.timeoutSeconds !== 'number' || s.timeoutSeconds < 1 || s.timeoutSeconds > 3600)
            add(`${path}.timeoutSeconds`, 'must be a number of seconds from 1 to 3600', 'e.g. timeoutSeconds: 120');
          else step.timeoutSeconds = s.timeoutSeconds;
        }
      }
      steps.push(step);
    });
  const followUps =
    data.followUps === undefined
      ? undefined
      : lines(data, 'followUps', 'list what the operator still has to do after the run');

  if (issues.length) throw new ValidationError(source, issues);
  return { id, title, description, whenToUse, whenNotToUse, params, steps, ...(followUps ? { followUps } : {}) };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
