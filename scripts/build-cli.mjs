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

// Splitting keeps cairn.mjs a small stub that turns on Node's compile cache before the big
// chunk it imports is compiled (a module can't cache its own compilation).
await build({
  ...common,
  entryPoints: { cairn: 'main/cli/cairn.ts', 'worker-entry': 'main/engine/workers/worker-entry.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  // Chunks sit beside the entry points: the worker pool finds worker-entry.mjs relative to itself.
  chunkNames: 'chunk-[hash]',
});
