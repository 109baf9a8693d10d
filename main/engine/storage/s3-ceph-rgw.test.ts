// S3BlobStore against Ceph's RADOS Gateway, the second real S3 implementation (opt-in: Ceph is
// ~56 Debian packages). Start one with `testing/ceph-rgw.sh` and export what it prints:
//   CAIRN_CEPH_ENDPOINT=http://127.0.0.1:17480 CAIRN_CEPH_ACCESS_KEY=… CAIRN_CEPH_SECRET_KEY=…
// Unlike Swift's s3api, RGW honours If-None-Match: * and bucket versioning, so this file also
// checks the lock protocol's conditional writes and the versioned-bucket warning for real.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupOf, diffTrees, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { restore } from '../restore/index.ts';
import { checkVault, prune } from '../vault/index.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { probeStore } from './probe.ts';
import { S3BlobStore } from './s3-blob-store.ts';

const endpoint = process.env.CAIRN_CEPH_ENDPOINT;
const credentials = { accessKeyId: process.env.CAIRN_CEPH_ACCESS_KEY ?? '', secretAccessKey: process.env.CAIRN_CEPH_SECRET_KEY ?? '' };
const skipReason = endpoint ? undefined : 'CAIRN_CEPH_ENDPOINT is not set: start Ceph RGW with testing/ceph-rgw.sh and export what it prints';
if (skipReason) process.stdout.write(`s3-ceph-rgw.test.ts skipped: ${skipReason}\n`);

const BUCKET = `cairn-ceph-${process.pid}`;
const VERSIONED = `cairn-ceph-versioned-${process.pid}`;
let prefixes = 0;

function cephStore(bucket = BUCKET): S3BlobStore {
  return new S3BlobStore({ bucket, prefix: `run-${++prefixes}`, endpoint: endpoint as string, region: 'us-east-1', forcePathStyle: true, credentials });
}

describe.skipIf(skipReason !== undefined)('Ceph RGW', () => {
  beforeAll(async () => {
    expect(await cephStore().ensureContainer()).toMatch(/created|exists/);
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await client.send(new CreateBucketCommand({ Bucket: VERSIONED }));
    await client.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
    client.destroy();
  }, 60_000);
  afterAll(removeTempDirs);

  describeBlobStoreConformance('S3BlobStore on Ceph RGW', () => cephStore(), { readsInto: true });

  it('honours If-None-Match: * (the lock protocol uses it where init found it)', async () => {
    const store = cephStore();
    expect(await store.putIfAbsent('locks/exclusive', new Uint8Array([1]))).toBe(true);
    expect(await store.putIfAbsent('locks/exclusive', new Uint8Array([2]))).toBe(false);
    expect([...(await store.get('locks/exclusive'))]).toEqual([1]);
  });

  it('says a versioned bucket keeps old versions, at set-up (probe) and at prune', async () => {
    expect(await cephStore().versioning()).toBe('off');
    const versioned = cephStore(VERSIONED);
    expect(await versioned.versioning()).toBe('enabled');
    const probe = await probeStore(versioned);
    expect(probe.ok).toBe(true);
    expect(probe.versioning).toBe('enabled');
  });

  it('backs up, prunes, checks and restores byte for byte', async () => {
    const { repo } = await initRepo(cephStore());
    try {
      const home = tempDir('cairn-ceph-home-');
      mkdirSync(join(home, 'p'), { recursive: true });
      writeFileSync(join(home, 'p', 'a.jsonl'), '{"turn":1}\n'.repeat(5000));
      await backupOf(repo, [{ label: 'home', path: home }]);
      writeFileSync(join(home, 'p', 'b.jsonl'), '{"turn":2}\n');
      const last = await backupOf(repo, [{ label: 'home', path: home }]);
      await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 });
      expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
      const target = tempDir('cairn-ceph-restore-');
      await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.vault.loadSnapshot(repo.device.id, last.snapshotId as never), target });
      expect(diffTrees(home, join(target, 'home'))).toEqual([]);
    } finally {
      await repo.close();
    }
  }, 120_000);
});
