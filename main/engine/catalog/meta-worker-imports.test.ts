// Each backup that reads sessions starts two session workers, and each loads meta-worker.ts and
// everything it imports. Through one barrel import (agents/index.ts) that was the whole engine:
// the S3 client, yaml, zod — 867 KB of bundle, ~200 ms of CPU per worker to load. It needs only
// the session readers and the catalog's database code (~225 KB, ~110 ms).

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('./meta-worker.ts', import.meta.url));

describe('the session worker', () => {
  it('loads the session readers and the catalog database, not the rest of the engine', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      outfile: 'meta-worker.mjs',
      external: ['better-sqlite3', 'zstd-napi', 'keytar', 'electron'],
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('main/engine/sessions/readers/claude-code.ts'))).toBe(true);
    const heavy = inputs.filter((p) => /node_modules\/(@aws-sdk|@smithy|yaml|zod)\/|main\/engine\/(storage|backup|restore|vault)\//.test(p));
    expect(heavy).toEqual([]);
    const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    expect(bytes).toBeLessThan(400_000);
  });
});
