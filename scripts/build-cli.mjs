// Bundles the `cairn` CLI and its worker-thread entry into dist/cli/ with esbuild. One file
// loads much faster than hundreds of modules (measured: `cairn --help` 330 ms -> ~150 ms), which
// matters for a command run by cron or scripts. Native modules stay external.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  external: ['better-sqlite3', 'zstd-napi', 'keytar', 'electron'],
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cairnRequire } from 'node:module'; const require = __cairnRequire(import.meta.url);" },
  logLevel: 'warning',
  // ES module builds first: esbuild can drop what isn't used (the AWS SDK's CommonJS build
  // is one file holding every S3 command and its schema).
  mainFields: ['module', 'main'],
};

// Chunk names carry content hashes: start empty so old chunks don't pile up.
rmSync('dist/cli', { recursive: true, force: true });

// Splitting shares code between the program and the worker entry. The program is an entry of
// its own (program.mjs) so that cairn.mjs can stay a stub built apart: it checks the Node
// version and turns on Node's compile cache before it imports the program (an older Node would
// crash loading the native modules; a module can't cache its own compilation).
await build({
  ...common,
  entryPoints: { program: 'main/cli/program.ts', 'worker-entry': 'main/engine/workers/worker-entry.ts', 'meta-worker': 'main/engine/catalog/meta-worker.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  // Chunks sit beside the entry points: the worker pool finds worker-entry.mjs (and the catalog
  // meta-worker.mjs) relative to itself.
  chunkNames: 'chunk-[hash]',
});

/** Points the stub's import of the program at the bundled program.mjs, outside the stub. */
const programOutside = {
  name: 'program-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\/program\.ts$/ }, () => ({ path: './program.mjs', external: true }));
  },
};

await build({
  ...common,
  banner: {},
  entryPoints: { cairn: 'main/cli/cairn.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  plugins: [programOutside],
});
