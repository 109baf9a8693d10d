import { describe, expect, it } from 'vitest';
import { FaultyBlobStore } from './faulty-blob-store.ts';
import { MemoryBlobStore } from './memory-blob-store.ts';
import { probeStore, VAULT_HEADER_KEY } from './probe.ts';
import type { BucketVersioning } from './blob-store.ts';

/** Answers GetBucketVersioning as the bucket would (B2's S3 API always says enabled). */
class VersionedStore extends MemoryBlobStore {
  readonly answer: BucketVersioning | Error;

  constructor(answer: BucketVersioning | Error) {
    super();
    this.answer = answer;
  }

  versioning(): Promise<BucketVersioning> {
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
}

describe('probeStore', () => {
  it('passes every step on a working store and leaves nothing behind', async () => {
    const store = new MemoryBlobStore();
    const result = await probeStore(store);
    expect(result).toEqual({
      ok: true,
      vaultExists: false,
      steps: [
        { step: 'list', ok: true },
        { step: 'write', ok: true },
        { step: 'read', ok: true },
        { step: 'delete', ok: true },
      ],
    });
    expect(store.size).toBe(0);
  });

  it('says when the bucket keeps old versions (prune would free nothing), and only then', async () => {
    expect((await probeStore(new VersionedStore('enabled'))).versioning).toBe('enabled');
    expect((await probeStore(new VersionedStore('suspended'))).versioning).toBe('suspended');
    for (const answer of ['off', 'unknown', new Error('AccessDenied')] as const) {
      const result = await probeStore(new VersionedStore(answer));
      expect(result.ok).toBe(true);
      expect(result).not.toHaveProperty('versioning');
    }
  });

  it('reports an existing vault', async () => {
    const store = new MemoryBlobStore();
    await store.put(VAULT_HEADER_KEY, new TextEncoder().encode('{}'));
    expect((await probeStore(store)).vaultExists).toBe(true);
  });

  it('records a failed write and skips read and delete', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).failNth('put', 1, { retryable: false });
    const result = await probeStore(store);
    expect(result.ok).toBe(false);
    expect(result.steps.map((step) => [step.step, step.ok])).toEqual([
      ['list', true],
      ['write', false],
    ]);
    expect(result.steps[1]?.error).toMatchObject({ code: 'storage', retryable: false });
  });

  it('still tries to write when listing is refused', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).failNth('list', 1);
    const result = await probeStore(store);
    expect(result.ok).toBe(false);
    expect(result.steps.map((step) => step.ok)).toEqual([false, true, true, true]);
    expect(result.steps[0]?.error?.code).toBe('storage');
  });

  it('catches a read that returns different bytes', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).corruptGets('cairn-probe-');
    const result = await probeStore(store);
    expect(result.steps.find((step) => step.step === 'read')).toMatchObject({ ok: false, error: { code: 'integrity' } });
    expect(result.steps.find((step) => step.step === 'delete')?.ok).toBe(true);
  });

  it('records a failed delete', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).failNth('delete', 1);
    const result = await probeStore(store, { key: 'probe-key', payload: Uint8Array.of(1, 2) });
    expect(result.ok).toBe(false);
    expect(result.steps[3]).toMatchObject({ step: 'delete', ok: false });
  });
});
