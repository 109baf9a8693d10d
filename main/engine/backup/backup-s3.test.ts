// The same round trip as backup.test.ts, through a real S3 server (Swift s3api) on 127.0.0.1.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgentHome } from '../../../testing/agent-home.ts';
import { backupOf, diffTrees, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { startS3Server } from '../../../testing/s3-server.ts';
import type { S3Server } from '../../../testing/s3-server.ts';
import type { Repository } from '../repository.ts';
import { restore } from '../restore/index.ts';
import { FaultyBlobStore, S3BlobStore } from '../storage/index.ts';

let server: S3Server;
let repo: Repository;
let store: FaultyBlobStore;
let home: string;

beforeAll(async () => {
  server = await startS3Server({ buckets: ['roundtrip'] });
  home = join(tempDir('cairn-s3-home-'), 'home');
  generateAgentHome(home, { seed: 21, sizeMiB: 24, smallFiles: 300 });
  store = new FaultyBlobStore(new S3BlobStore({ bucket: 'roundtrip', prefix: 'cairn', endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } }));
  ({ repo } = await initRepo(store));
}, 120_000);

afterAll(async () => {
  await repo?.close();
  await server?.stop();
  removeTempDirs();
});

describe('backup and restore through S3', () => {
  it('round-trips a generated agent home byte for byte (content, mode, mtime)', async () => {
    const result = await backupOf(repo, [{ label: 'home', path: home, sqlite: ['**/*.sqlite'] }]);
    expect(result.stats.files).toBeGreaterThan(300);
    const target = tempDir('cairn-s3-restore-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(result.snapshotId as string), target });
    const skip = (rel: string) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$|\.sqlite$/.test(rel);
    expect(diffTrees(home, join(target, 'home'), { skip })).toEqual([]);
  });

  it('a second backup uploads no data and makes at most 3 requests', async () => {
    store.clear();
    const result = await backupOf(repo, [{ label: 'home', path: home, sqlite: ['**/*.sqlite'] }]);
    expect(result.unchanged).toBe(true);
    const requests = Object.values(store.calls).reduce((a, b) => a + b, 0);
    expect(store.calls.put).toBe(0);
    expect(requests).toBeLessThanOrEqual(3);
  });
});
