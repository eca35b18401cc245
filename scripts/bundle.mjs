// Bundles the CLI's hot commands into one CommonJS file plus a small bin that loads it with a
// V8 code cache.
//
// Why: Node 20 spends about 1 ms per ES module on resolution and linking, and compiling a
// large script costs several more; `awsorg assume` on a credential-cache hit must start within
// 1.3x of `node -e 0` (bench/operator.bench.ts). npm packages stay external and load lazily,
// exactly as in the unbundled build (dynamic import() of SDK clients is kept as is).
//
//   dist/bin/awsorg.cjs           the bin (scripts/bin-stub.cjs)
//   dist/bin/awsorg-main.cjs      src/cli.ts with the hot commands (assume, credential-process, __complete)
//   dist/bin/awsorg-main.cjs.v8cache   V8 code cache for it, made by this Node version
import { build } from 'esbuild';
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';

const main = 'dist/bin/awsorg-main.cjs';

// The bin runs only these commands from the bundle (scripts/bin-stub.cjs keeps the same list).
// The bundle is built from src/cli.ts itself, so dispatch, help and errors are the CLI's own;
// but every other command module that the CLI loads with import() stays out of it: the bin
// never routes those commands here, and leaving them out keeps the file that `assume` reads,
// deserializes and runs small (about a tenth of the whole CLI). Such an import() points at the
// unbundled ES module in dist/src instead, so the bundle still works if one is reached.
const HOT_COMMANDS = new Set(['assume.ts', 'credential-process.ts', 'complete.ts']);
const commandsDir = resolve('src/commands');
const coldCommandsOut = {
  name: 'cold-commands-out',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const file = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (dirname(file) !== commandsDir || HOT_COMMANDS.has(basename(file))) return undefined;
      const compiled = resolve('dist/src', relative(resolve('src'), file)).replace(/\.ts$/, '.js');
      return { path: relative(resolve('dist/bin'), compiled).split(sep).join('/'), external: true };
    });
  },
};
await build({
  entryPoints: ['src/cli.ts'],
  outfile: main,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  // Smaller source compiles faster; names stay (error classes report their names).
  minify: true,
  keepNames: true,
  jsx: 'automatic',
  // import.meta.url has no CommonJS equivalent; give the bundle its own file URL, made only when
  // asked for (the first URL object costs start-up time that `assume` does not need to pay).
  banner: {
    js: "const __awsorgModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
  },
  define: { 'import.meta.url': '__awsorgModule.url' },
  // ASCII only (non-ASCII characters escaped), so the bin can read it as latin1, which is cheaper than UTF-8.
  charset: 'ascii',
  plugins: [coldCommandsOut],
  logLevel: 'warning',
});
// The bundle's own hashbang is not needed: the bin below runs it. In its place (so that line
// numbers stay those of the source map) the file starts the CommonJS module wrapper, so the bin
// compiles the file's text as it is: no copies of ~100 KB of source made by concatenation, which
// on a cache hit is enough allocation to cost `assume` a garbage collection.
// Code loaded through vm.Script with a code cache cannot use import() on Node 20 (the host's
// dynamic-import callback is lost), so the bundle's import("pkg") calls go through a function
// the bin defines. The replacement has the same length, so the source map stays exact.
const source = readFileSync(main, 'utf8');
const dynamicImports = source.match(/\bimport\(/g) ?? [];
const literalImports = source.match(/\bimport\("[^"]+"\)/g) ?? [];
if (dynamicImports.length !== literalImports.length)
  throw new Error('bundle: every dynamic import() must name a package literally');
if (!source.startsWith('#!')) throw new Error('bundle: expected the hashbang of src/cli.ts on its first line');
if (/[^\x00-\x7f]/.test(source)) throw new Error('bundle: the bundle must be ASCII (the bin reads it as latin1)');
const wrapped = source
  .replace(/^#!.*/, '(function (exports, require, module, __filename, __dirname) {')
  .replace(/\n\/\/# sourceMappingURL=.*\n?$/, (comment) => `\n});${comment}`);
if (!wrapped.includes('\n});\n//# sourceMappingURL='))
  throw new Error('bundle: expected a sourceMappingURL comment at the end');
writeFileSync(main, wrapped.replace(/\bimport\("/g, '__aoI_("'));
copyFileSync('scripts/bin-stub.cjs', 'dist/bin/awsorg.cjs');
chmodSync('dist/bin/awsorg.cjs', 0o755);

// Save V8's code cache, made while the bin serves a sample `assume --exec -- true` from a
// credential cache in a throw-away home (scripts/v8cache-training.mjs).
const { runTrainingSample } = await import('./v8cache-training.mjs');
// Remove the previous build's cache first: V8 checks a cache only against the source's length,
// so an edit that keeps the length (a swapped pair of names) would run the old compiled code.
rmSync(`${main}.v8cache`, { force: true });
const run = await runTrainingSample({ bin: resolve('dist/bin/awsorg.cjs'), cacheFile: resolve(`${main}.v8cache`) });
if (run.status !== 0) throw new Error(`bundle: the sample run failed (${run.status}): ${run.stderr}`);
