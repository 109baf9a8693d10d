// A bucket that keeps old versions (versioning on; B2 always) keeps what prune deletes: Cairn
// says so when the vault is created, not first at the prune that frees nothing.

import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { MemoryBlobStore, versionedBucketAdvice } from './storage/index.ts';
import type { BucketVersioning } from './storage/index.ts';
import { prune } from './vault/index.ts';

afterAll(removeTempDirs);

class VersionedStore extends MemoryBlobStore {
  readonly answer: BucketVersioning;

  constructor(answer: BucketVersioning) {
    super('versioned');
    this.answer = answer;
  }

  versioning(): Promise<BucketVersioning> {
    return Promise.resolve(this.answer);
  }
}

describe('a versioned bucket', () => {
  it('is reported by init and by prune, with what to do', async () => {
    const { repo, versioning } = await initRepo(new VersionedStore('enabled'), tempDir());
    try {
      expect(versioning).toBe('enabled');
      expect((await prune(repo.vault, repo.db, repo.codec, { device: repo.device.id, marginMs: 0 })).versioning).toBe('enabled');
      expect(versionedBucketAdvice('enabled')).toMatch(/lifecycle rule that keeps only the current version/);
    } finally {
      await repo.close();
    }
  });

  it('is not reported for a bucket without versioning', async () => {
    const { repo, versioning } = await initRepo(new VersionedStore('off'), tempDir());
    try {
      expect(versioning).toBeUndefined();
    } finally {
      await repo.close();
    }
  });
});
