/**
 * Imports point down. Every .ts/.tsx file under src/ belongs to a layer (its directory under
 * src/, or `cli` for src/cli.ts), and may import only from its own layer or from a layer on a
 * lower level. Static `import … from`, `export … from`, side-effect `import '…'` and dynamic
 * `import('…')` all count, type-only ones included: a type names a module's meaning, and the
 * layer it comes from is one this module can no longer be understood without.
 *
 * The levels, top to bottom, measured from the import graph rather than wished for:
 *
 * - cli:       the entry point; parses argv and hands over to a command.
 * - commands:  one file per command; chooses the front end (the Ink screens or headless).
 * - ui:        the Ink screens (wizard, console, runbook screen) and their plain-text renderers.
 * - runbooks:  the runbook catalog, runner and run; its front end is passed in, never imported.
 * - steps, assume: bootstrap's steps and the operator's role sessions. Independent of each other.
 * - terraform, inventory: the Terraform hand-off and the account inventory. Independent too.
 * - aws, policies: AWS clients and sessions; the policy documents awsorg writes (pure functions
 *   of the blueprint, shared by the steps that apply them and the Terraform that hands them off).
 * - core:      the blueprint, errors, paths, settings, audit: node built-ins only.
 *
 * Why not the first list: `terraform` sits below `steps` (two steps run Terraform), yet
 * the hand-off writes the same bucket, trail and OIDC policies the steps apply, so those pure
 * documents moved to src/policies, below both. Layers on one level never import each other:
 * nothing needs it today, and allowing it would let a cycle hide inside a level.
 *
 * There is no list of exceptions. An import that points up is fixed by moving the function or
 * type it needs down to the layer it belongs to, or by passing it in as a parameter.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/cli.js';

/** Top to bottom; the layers on one line share a level. */
export const LEVELS: readonly (readonly string[])[] = [
  ['cli'],
  ['commands'],
  ['ui'],
  ['runbooks'],
  ['steps', 'assume'],
  ['terraform', 'inventory'],
  ['aws', 'policies'],
  ['core'],
];

const levelOf = new Map(LEVELS.flatMap((names, level) => names.map((name) => [name, level] as const)));

/** A file's layer, from its path relative to src/ (posix separators). */
export function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.tsx?$/, '') : parts[0]!;
}

export interface ImportSite {
  specifier: string;
  line: number;
}

/** Every module a source file names: static and type imports, re-exports, side-effect and dynamic imports. */
export function importsOf(source: string): ImportSite[] {
  // The compiler's own scanner: it skips comments and strings, which a regular expression would not.
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => ({
    specifier: f.fileName,
    line: source.slice(0, f.pos).split('\n').length,
  }));
}

export interface Edge {
  from: string;
  to: string;
  specifier: string;
  line: number;
}

/** The relative imports between files under src/, by path relative to src/ (a target keeps its .js name). */
export function importEdges(sources: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [file, source] of sources) {
    for (const site of importsOf(source)) {
      if (!site.specifier.startsWith('.')) continue;
      const target = resolve('/src', dirname(file), site.specifier);
      // package.json (read for the version) is outside src/ and in no layer.
      if (!target.startsWith('/src/')) continue;
      edges.push({ from: file, to: target.slice('/src/'.length), specifier: site.specifier, line: site.line });
    }
  }
  return edges;
}

/** One message per import that points up, sideways within a level, or into or out of no layer. */
export function layerViolations(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const edge of edges) {
    const [from, to] = [layerOf(edge.from), layerOf(edge.to)];
    if (from === to) continue;
    const [a, b] = [levelOf.get(from), levelOf.get(to)];
    const where = `src/${edge.from}:${edge.line} imports '${edge.specifier}'`;
    if (a === undefined || b === undefined) {
      problems.push(
        `${where}: layer "${a === undefined ? from : to}" is in no level; add it to LEVELS in test/unit/layering.test.ts`,
      );
    } else if (b < a) {
      problems.push(`${where}: ${from} (level ${a}) must not import ${to} (level ${b}), a layer above it`);
    } else if (b === a) {
      problems.push(`${where}: ${from} and ${to} share level ${a} and must not import each other`);
    }
  }
  return problems;
}

/** Cycles in the graph of layers (whatever LEVELS says), each as its layers and one import per hop. */
export function layerCycles(edges: readonly Edge[]): string[] {
  const hops = new Map<string, Map<string, Edge>>();
  for (const edge of edges) {
    const [from, to] = [layerOf(edge.from), layerOf(edge.to)];
    if (from === to) continue;
    const out = hops.get(from) ?? new Map<string, Edge>();
    if (!out.has(to)) out.set(to, edge);
    hops.set(from, out);
  }
  const cycles = new Set<string>();
  const stack: string[] = [];
  const done = new Set<string>();
  const visit = (layer: string) => {
    const at = stack.indexOf(layer);
    if (at >= 0) {
      const loop = stack.slice(at);
      // The same cycle found from another of its layers is reported once, from its smallest name.
      const start = loop.indexOf([...loop].sort()[0]!);
      const turned = [...loop.slice(start), ...loop.slice(0, start)];
      const via = turned.map((l, i) => {
        const e = hops.get(l)!.get(turned[(i + 1) % turned.length]!)!;
        return `src/${e.from}:${e.line} imports '${e.specifier}'`;
      });
      cycles.add(`${[...turned, turned[0]].join(' → ')} (${via.join('; ')})`);
      return;
    }
    if (done.has(layer)) return;
    stack.push(layer);
    for (const next of hops.get(layer)?.keys() ?? []) visit(next);
    stack.pop();
    done.add(layer);
  };
  for (const layer of [...hops.keys()].sort()) visit(layer);
  return [...cycles];
}

function sourcesUnder(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        sources.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return sources;
}

describe('imports point down (src/)', () => {
  const edges = importEdges(sourcesUnder(join(REPO_ROOT, 'src')));

  it('reads the imports of the tree (a sanity check that the scan sees them)', () => {
    assert.ok(edges.length > 500, `only ${edges.length} relative imports found under src/`);
    assert.ok(
      edges.some((e) => e.from === 'cli.ts' && e.specifier.startsWith('./commands/')),
      'cli.ts imports the commands',
    );
  });

  it('every directory under src/ is a layer with a level', () => {
    const layers = new Set([...edges.flatMap((e) => [layerOf(e.from), layerOf(e.to)])]);
    const unknown = [...layers].filter((l) => !levelOf.has(l));
    assert.deepEqual(unknown, [], `add ${unknown.join(', ')} to LEVELS`);
  });

  it('no import points up, or sideways within a level', () => {
    const problems = layerViolations(edges);
    assert.equal(problems.length, 0, `imports that point up:\n  ${problems.join('\n  ')}`);
  });

  it('no cycle between layers', () => {
    const cycles = layerCycles(edges);
    // One upward import closes many cycles; the first few name it, the test above names it exactly.
    const shown = cycles.length > 6 ? [...cycles.slice(0, 6), `… and ${cycles.length - 6} more`] : cycles;
    assert.equal(cycles.length, 0, `cycles between layers:\n  ${shown.join('\n  ')}`);
  });
});

describe('the layering check itself', () => {
  const tree = (files: Record<string, string>) => importEdges(new Map(Object.entries(files)));

  it('finds static, type, re-export, side-effect and dynamic imports, and skips comments and strings', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../core/b.js';",
      "export { c } from './c.js';",
      "import './d.js';",
      'const e = await import("../aws/e.js");',
      "// import { f } from '../ui/f.js';",
      'const g = "import(\'../ui/g.js\')";',
      "const arn = 'arn:aws:s3:::bucket/*';",
      "export * from './h.js';",
    ].join('\n');
    assert.deepEqual(
      importsOf(source).map((s) => `${s.line}:${s.specifier}`),
      ['1:./a.js', '2:../core/b.js', '3:./c.js', '4:./d.js', '5:../aws/e.js', '9:./h.js'],
    );
  });

  it('names the file, line, import and both layers of an upward import', () => {
    const edges = tree({
      'core/blueprint.ts': "import { guardrails } from '../steps/guardrails.js';\n",
      'runbooks/run.ts': "\nconst screen = await import('../ui/runbook/run.js');\n",
      'steps/guardrails.ts': "import type { Blueprint } from '../core/blueprint.js';\n",
    });
    assert.deepEqual(layerViolations(edges), [
      "src/core/blueprint.ts:1 imports '../steps/guardrails.js': core (level 7) must not import steps (level 4), a layer above it",
      "src/runbooks/run.ts:2 imports '../ui/runbook/run.js': runbooks (level 3) must not import ui (level 2), a layer above it",
    ]);
  });

  it('refuses imports between layers of one level and from a directory in no level', () => {
    const edges = tree({
      'steps/identity.ts': "import { operator } from '../assume/operator.js';\n",
      'plugins/x.ts': "import { y } from '../core/y.js';\n",
    });
    assert.deepEqual(layerViolations(edges), [
      "src/steps/identity.ts:1 imports '../assume/operator.js': steps and assume share level 4 and must not import each other",
      `src/plugins/x.ts:1 imports '../core/y.js': layer "plugins" is in no level; add it to LEVELS in test/unit/layering.test.ts`,
    ]);
  });

  it('reports a cycle between layers once, with one import for each hop', () => {
    const edges = tree({
      'ui/console/run.tsx': "import { run } from '../../commands/runbook.js';\n",
      'commands/runbook.ts': "import { runRunbook } from '../runbooks/run.js';\n",
      'runbooks/run.ts': "import { screen } from '../ui/runbook/run.js';\n",
      'core/errors.ts': '',
    });
    assert.deepEqual(layerCycles(edges), [
      "commands → runbooks → ui → commands (src/commands/runbook.ts:1 imports '../runbooks/run.js'; src/runbooks/run.ts:1 imports '../ui/runbook/run.js'; src/ui/console/run.tsx:1 imports '../../commands/runbook.js')",
    ]);
  });
});
