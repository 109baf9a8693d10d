// Issue 14: cancelling a backup aborts the upload in flight. A real S3 server (Swift's s3api)
// sits behind a loopback HTTP proxy that, while told to, takes a pack PUT's body and never
// answers, as a stalled uplink does. Cancel → the proxy sees the client close that request
// within about a second, the backup ends as cancelled, no lock is left, and the next backup
// completes and restores byte for byte.

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../shared/errors.ts';
import { generateAgentHome } from '../../testing/agent-home.ts';
import { diffTrees, initRepo, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startS3Server } from '../../testing/s3-server.ts';
import type { S3Server } from '../../testing/s3-server.ts';
import { runBackup } from './operations.ts';
import { restore } from './restore/index.ts';
import { RetryingBlobStore, S3BlobStore } from './storage/index.ts';
import { checkVault, keys } from './vault/index.ts';

interface HeldPut {
  path: string;
  heldAt: number;
  closedAt?: number;
}

/** Forwards everything to `target`; while `hold` is set, a PUT of a pack is read and never answered. */
async function startHoldingProxy(target: string): Promise<{ server: Server; endpoint: string; hold: boolean; held: HeldPut[] }> {
  const to = new URL(target);
  const state = { hold: false, held: [] as HeldPut[] };
  const server = createServer((req: IncomingMessage, res) => {
    if (state.hold && req.method === 'PUT' && /\/data\//.test(req.url ?? '')) {
      const held: HeldPut = { path: req.url ?? '', heldAt: Date.now() };
      state.held.push(held);
      req.resume(); // take the body, answer nothing
      req.socket.once('close', () => (held.closedAt = Date.now()));
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { server, endpoint: `http://127.0.0.1:${port}` });
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let s3: S3Server;
let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['cancel'] });
  proxy = await startHoldingProxy(s3.endpoint);
}, 120_000);

afterAll(async () => {
  proxy?.server.closeAllConnections();
  proxy?.server.close();
  await s3?.stop();
  removeTempDirs();
});

describe('cancelling a backup over S3', () => {
  it('aborts the pack upload in flight within about a second, ends as cancelled, leaves no lock, and the next backup completes', async () => {
    const s3Store = new S3BlobStore({ bucket: 'cancel', prefix: 'cairn', endpoint: proxy.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    // The retrying decorator the app uses: a cancel must stop it too, not be retried.
    const { repo } = await initRepo(new RetryingBlobStore(s3Store));
    const home = join(tempDir('cairn-cancel-home-'), 'home');
    generateAgentHome(home, { seed: 14, sizeMiB: 3, smallFiles: 40 });
    const sources = [{ label: 'home', path: home }];

    proxy.hold = true;
    const controller = new AbortController();
    const started = runBackup(repo, { sources, reason: 'manual', signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await until(() => proxy.held.length > 0, 60_000, 'a pack upload to reach the proxy');
    const held = proxy.held[0] as HeldPut;
    await new Promise((r) => setTimeout(r, 200)); // the request is truly in flight, body sent
    expect(held.closedAt).toBeUndefined();
    const cancelledAt = Date.now();
    controller.abort();
    const error = await started;
    const endedAfterMs = Date.now() - cancelledAt;
    await until(() => held.closedAt !== undefined, 5_000, 'the held upload to be closed by the client');
    const abortedAfterMs = (held.closedAt as number) - cancelledAt;
    process.stdout.write(`cancel: the held PUT was closed ${abortedAfterMs} ms after abort(); the backup ended after ${endedAfterMs} ms\n`);
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('cancelled');
    expect(abortedAfterMs).toBeLessThan(1500);
    expect(endedAfterMs).toBeLessThan(1500);
    // Released although its calls were cancelled: the next backup (or a prune) isn't blocked.
    const locks: string[] = [];
    for await (const info of s3Store.list(keys.locksPrefix)) locks.push(info.key);
    expect(locks).toEqual([]);
    expect(await repo.vault.listSnapshots()).toEqual([]);

    proxy.hold = false;
    const done = await runBackup(repo, { sources, reason: 'manual' });
    expect(done.unchanged).toBe(false);
    expect((await checkVault(repo.vault, repo.codec, { readData: true })).problems).toEqual([]);
    const target = tempDir('cairn-cancel-restore-');
    await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(done.snapshotId as string), target });
    expect(diffTrees(home, join(target, 'home'), { skip: (rel) => /(-wal|-shm)$/.test(rel) || /\.credentials\.json$|auth\.json$|secrets\.yaml$|oauth_creds\.json$|(^|\/)\.env$/.test(rel) || rel.endsWith('.sqlite') })).toEqual([]);
    await repo.close();
  }, 240_000);
});
