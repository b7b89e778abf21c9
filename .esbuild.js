// The CLI's bundle (`npm run bundle`): one ESM file per entry point, with shared chunks loaded
// when first needed. better-sqlite3 stays outside (a native addon); `require` is defined for the
// CommonJS packages inside. Two packages are swapped for load time (each saves every run tens of
// milliseconds; test/e2e/bundle.test.ts checks both):
// - js-yaml, which gray-matter loads for a default engine kb-sync replaces: a stub that throws.
// - string-width (yargs brings three copies, util/table.ts a fourth), which on import builds an
//   Intl.Segmenter and compiles a `\p{RGI_Emoji}` regex: one copy, run when first called.
// And acorn, which the MDX parser imports as an ES module and acorn-jsx requires as CommonJS, is
// bundled once: as the ES module (acorn-jsx uses the parser it is given, `Parser.acorn`; its
// `require` is a fallback), not a second 220 KB copy in the renderer's chunk that is parsed and
// never run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const lazyWidth = path.join(root, 'src/util/string-width-lazy.ts');

/** Every import of string-width but the one in the lazy module goes to the lazy module. */
const stringWidthOnce = {
  name: 'string-width-once',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, (args) =>
      args.importer === lazyWidth ? undefined : { path: lazyWidth },
    );
  },
};

/** acorn, however it is loaded, is its ES module build (the one the MDX parser imports). */
const acornOnce = {
  name: 'acorn-once',
  setup(build) {
    build.onResolve({ filter: /^acorn$/ }, (args) =>
      args.kind === 'require-call'
        ? build.resolve('acorn', { kind: 'import-statement', resolveDir: args.resolveDir })
        : undefined,
    );
  },
};

const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const outdir = path.join(root, 'dist/bin');
fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/extract/render-worker.ts', 'src/sync/worker-main.ts'],
  entryNames: '[name]',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  alias: { 'js-yaml': './src/extract/js-yaml-unused.ts' },
  // `kb-sync --version` reads no package.json (src/cli/version.ts).
  define: { __KB_SYNC_VERSION__: JSON.stringify(version) },
  plugins: [stringWidthOnce, acornOnce],
  banner: {
    js: "import { createRequire as __kbRequire } from 'node:module'; const require = __kbRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
