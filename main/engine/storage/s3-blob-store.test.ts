// S3BlobStore against a real S3 server: OpenStack Swift's s3api, started for this file
// (testing/s3-server.ts). If Swift is not installed, beforeAll fails and says what to install.

import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../../testing/s3-server.ts';
import type { BlobStore } from './blob-store.ts';
import { describeBlobStoreConformance } from './conformance.ts';
import { probeStore } from './probe.ts';
import { RetryingBlobStore } from './retrying-blob-store.ts';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';

const BUCKET = 'cairn-conformance';
let server: S3Server;
let prefixes = 0;

beforeAll(async () => {
  server = await startS3Server({ buckets: [BUCKET] });
});
afterAll(async () => {
  await server?.stop();
});

function s3Store(options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({
    bucket: BUCKET,
    prefix: `run-${++prefixes}`,
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...options,
  });
}

async function keysOf(store: BlobStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys.sort();
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error === undefined) throw new Error('expected the call to fail');
  return error as { code: string; retryable: boolean; message: string };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describeBlobStoreConformance('S3BlobStore on Swift s3api', () => s3Store(), { readsInto: true });

describe('S3BlobStore on Swift s3api', () => {
  it('uploads in parts above the threshold and reads ranges across part boundaries', async () => {
    const MiB = 1024 * 1024;
    const store = s3Store({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 2 });
    const data = new Uint8Array(12 * MiB + 123);
    for (let i = 0; i < data.length; i += 1) data[i] = (i * 7 + (i >> 13)) & 0xff;
    await store.put('parts', data);
    expect(await store.stat('parts')).toMatchObject({ key: 'parts', size: data.length });
    const whole = await store.get('parts');
    expect(Buffer.from(whole).equals(Buffer.from(data))).toBe(true);
    const range = { offset: 5 * MiB - 1000, length: 5 * MiB + 2000 }; // spans parts 1, 2 and 3
    expect(Buffer.from(await store.get('parts', range)).equals(Buffer.from(data.subarray(range.offset, range.offset + range.length)))).toBe(true);
    await store.close();
  });

  it('keeps prefixes apart and strips them from listed keys', async () => {
    const one = s3Store({ prefix: 'iso/one' });
    const two = s3Store({ prefix: 'iso/two/' });
    const root = s3Store({ prefix: '' });
    await one.put('k', Uint8Array.of(1));
    await two.put('k', Uint8Array.of(2));
    expect(await keysOf(one)).toEqual(['k']);
    expect([...(await two.get('k'))]).toEqual([2]);
    expect(await keysOf(root, 'iso/')).toEqual(['iso/one/k', 'iso/two/k']);
    expect(one.location).toBe(`s3://${BUCKET}/iso/one at ${server.endpoint}`);
    await Promise.all([one.close(), two.close(), root.close()]);
  });

  it('maps a wrong secret to access_denied', async () => {
    const store = s3Store({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong-secret' } });
    const calls = [keysOf(store), store.put('k', Uint8Array.of(1)), store.get('k'), store.stat('k'), store.delete('k')];
    for (const error of await Promise.all(calls.map(failure))) {
      expect(error.code).toBe('access_denied');
      expect(error.retryable).toBe(false);
    }
    expect((await failure(keysOf(store))).message).toMatch(/Check the access key id and the secret access key/);
    await store.close();
  });

  it('maps an unknown access key to access_denied', async () => {
    const store = s3Store({ credentials: { accessKeyId: 'nobody:none', secretAccessKey: 'x' } });
    expect((await failure(store.put('k', Uint8Array.of(1)))).code).toBe('access_denied');
    await store.close();
  });

  it('maps a missing bucket to bucket_not_found with a message that names it', async () => {
    const store = s3Store({ bucket: 'no-such-bucket' });
    const calls = [keysOf(store), store.put('k', Uint8Array.of(1)), store.get('k'), store.get('k', { offset: 0, length: 1 }), store.delete('k')];
    for (const error of await Promise.all(calls.map(failure))) {
      expect(error.code).toBe('bucket_not_found');
      expect(error.message).toBe(`The bucket 'no-such-bucket' does not exist at ${server.endpoint}. Create it or fix the name.`);
    }
    // HEAD responses carry no error code: stat can't tell a missing bucket from a missing object.
    expect(await store.stat('k')).toBeUndefined();
    await store.close();
  });

  it('maps a dead endpoint to unreachable, retryable', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = s3Store({ endpoint });
    const calls = [keysOf(store), store.put('k', Uint8Array.of(1)), store.get('k'), store.stat('k')];
    for (const error of await Promise.all(calls.map(failure))) {
      expect(error.code).toBe('unreachable');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(endpoint);
      expect(error.message).toContain('ECONNREFUSED');
    }
    await store.close();
  });

  it('retries a dead endpoint with backoff, then gives up with its error', async () => {
    const sleeps: number[] = [];
    const store = new RetryingBlobStore(s3Store({ endpoint: `http://127.0.0.1:${await closedPort()}` }), {
      maxAttempts: 4,
      baseDelayMs: 100,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect((await failure(store.put('k', Uint8Array.of(1)))).code).toBe('unreachable');
    expect(sleeps).toEqual([50, 100, 200]);
    await store.close();
  });

  it('does not retry a wrong secret', async () => {
    const sleeps: number[] = [];
    const store = new RetryingBlobStore(s3Store({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' } }), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect((await failure(store.get('k'))).code).toBe('access_denied');
    expect(sleeps).toEqual([]);
    await store.close();
  });

  it('maps a skewed clock to clock_skew, and a retry succeeds once the SDK has corrected its offset', async () => {
    const skewed = s3Store({ clockOffsetMs: -3_600_000 });
    const error = await failure(skewed.put('k', Uint8Array.of(1)));
    expect(error.code).toBe('clock_skew');
    expect(error.retryable).toBe(true);
    const retrying = new RetryingBlobStore(s3Store({ clockOffsetMs: -3_600_000 }), { sleep: async () => undefined });
    await retrying.put('k', Uint8Array.of(1));
    expect([...(await retrying.get('k'))]).toEqual([1]);
    await Promise.all([skewed.close(), retrying.close()]);
  });

  it('passes the probe, and reports a vault once vault.json exists', async () => {
    const store = s3Store();
    expect(await probeStore(store)).toMatchObject({ ok: true, vaultExists: false });
    await store.put('vault.json', new TextEncoder().encode('{}'));
    expect(await probeStore(store)).toMatchObject({ ok: true, vaultExists: true });
    expect(await keysOf(store)).toEqual(['vault.json']);
    await store.close();
  });

  it('reports what the probe could not do, with codes the wizard can act on', async () => {
    const denied = await probeStore(s3Store({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' } }));
    expect(denied.ok).toBe(false);
    expect(denied.steps.map((step) => step.error?.code)).toEqual(['access_denied', 'access_denied']);
    const missing = await probeStore(s3Store({ bucket: 'no-such-bucket' }));
    expect(missing.steps.map((step) => step.error?.code)).toEqual(['bucket_not_found', 'bucket_not_found']);
  });
});
