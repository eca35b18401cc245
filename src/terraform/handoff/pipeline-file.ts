/**
 * Where and whether awsorg writes the generated CI pipeline (issue 13). The file lives at the
 * repository root, outside `terraform.dir`, so it carries its own proof of authorship: after the
 * marker line, a digest line of the rest. A file without the marker is the user's (a
 * `.gitlab-ci.yml` often is): never touched. A marked file whose body no longer matches its
 * digest was edited: refused unless --force.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PreconditionError } from '../../core/errors.js';
import { writeFileAtomicSync } from '../../core/private-file.js';
import type { LoadedBlueprint } from '../../core/blueprint.js';
import { HANDOFF_MARKER } from './generate.js';
import { generatePipeline, repositoryRoot } from './pipeline.js';

const DIGEST_PREFIX = '# awsorg-digest: sha256:';

export type PipelineAction = 'create' | 'update' | 'unchanged' | 'user-owned' | 'edited' | 'outside';

export interface PipelinePlan {
  /** Absolute path. */
  path: string;
  /** Relative to the repository root (or the blueprint's directory when there is no repository). */
  relPath: string;
  action: PipelineAction;
  content: string;
  warnings: string[];
}

const digestOf = (body: string) => createHash('sha256').update(body).digest('hex');

/** The marker, a digest line over everything after it, then the body. */
export function stampPipeline(content: string): string {
  const body = content.startsWith(`${HANDOFF_MARKER}\n`) ? content.slice(HANDOFF_MARKER.length + 1) : content;
  return `${HANDOFF_MARKER}\n${DIGEST_PREFIX}${digestOf(body)}\n${body}`;
}

function classify(existing: string, wanted: string, force: boolean): PipelineAction {
  if (existing === wanted) return 'unchanged';
  const lines = existing.split('\n');
  if (lines[0] !== HANDOFF_MARKER) return 'user-owned';
  const recorded = lines[1]?.startsWith(DIGEST_PREFIX) ? lines[1].slice(DIGEST_PREFIX.length) : undefined;
  const body = lines.slice(2).join('\n');
  if (recorded !== digestOf(body) && !force) return 'edited';
  return 'update';
}

export function planPipeline(
  loaded: LoadedBlueprint,
  input: { terraformDir: string; deployRoleArn: string; tool: 'terraform' | 'tofu'; force: boolean },
): PipelinePlan | undefined {
  if (!loaded.blueprint.ciOidc) return undefined;
  const root = repositoryRoot(input.terraformDir) ?? loaded.baseDir;
  const rel = relative(root, input.terraformDir);
  const name = loaded.blueprint.ciOidc.provider === 'github' ? '.github/workflows/terraform.yml' : '.gitlab-ci.yml';
  if (rel.startsWith('..') || resolve(root, rel) !== resolve(input.terraformDir)) {
    return {
      path: join(root, name),
      relPath: name,
      action: 'outside',
      content: '',
      warnings: [`terraform.dir is outside ${root}, so no CI pipeline was written`],
    };
  }
  const generated = generatePipeline(loaded, {
    terraformDir: rel.split(sep).join('/') || '.',
    deployRoleArn: input.deployRoleArn,
    tool: input.tool,
  });
  if (!generated) return undefined;
  const path = join(root, generated.path);
  const content = stampPipeline(generated.content);
  let action: PipelineAction = 'create';
  if (existsSync(path) || isLink(path)) {
    if (isLink(path) || !lstatSync(path).isFile()) action = 'user-owned';
    else action = classify(readFileSync(path, 'utf8'), content, input.force);
  }
  return { path, relPath: generated.path, action, content, warnings: generated.warnings };
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Writes the pipeline when the plan says create or update; never through a symlinked directory. */
export function writePipeline(plan: PipelinePlan): void {
  if (plan.action !== 'create' && plan.action !== 'update') return;
  let dir = dirname(plan.path);
  const missing: string[] = [];
  while (!existsSync(dir)) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  // Every directory between the repository root and the file (`.github`, `.github/workflows`):
  // one that is a link, existing or dangling, would put the pipeline somewhere else.
  const root = plan.path.slice(0, plan.path.length - plan.relPath.length);
  for (let d = dirname(plan.path); d.length >= root.length && d !== dirname(d); d = dirname(d)) {
    if (resolve(d) === resolve(root)) break;
    if (isLink(d))
      throw new PreconditionError(
        `${d} is a symbolic link; awsorg does not write the CI pipeline through it`,
        `Replace the link with a directory, or write ${plan.relPath} yourself (a file without awsorg's marker is left alone), then run again.`,
      );
  }
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  writeFileAtomicSync(plan.path, plan.content, 0o644);
}
