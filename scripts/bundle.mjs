// Bundles the CLI into one CommonJS file (dist/bin/awsorg.cjs), the `bin` users run.
//
// Why: Node 20 spends about 1 ms per ES module on resolution and linking, and `awsorg assume`
// on a credential-cache hit must start within 1.5x of `node -e 0`. One file loads in a
// fraction of the time of ~30 modules. npm packages stay external and load lazily, exactly
// as in the unbundled build (dynamic import() of SDK clients, Ink and React is kept as is).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/bin/awsorg.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  jsx: 'automatic',
  // import.meta.url has no CommonJS equivalent; give the bundle its own file URL.
  banner: { js: "const __awsorgModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__awsorgModuleUrl' },
  logLevel: 'warning',
});
