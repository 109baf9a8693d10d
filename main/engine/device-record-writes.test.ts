// R2 answers 429 above one write per second to one key: a small backup on a new device must not
// write `devices/<id>` twice within a second (it did: at open, then 0.7 s later with its agents).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepo, openRepo, removeTempDirs, tempDir, TEST_PASSPHRASE } from '../../testing/repo.ts';
import { runBackup } from './operations.ts';
import { MemoryBlobStore } from './storage/index.ts';
import { DEVICE_LAST_SEEN_RESOLUTION_MS, Repository } from './repository.ts';
import { createWorkerCodec } from './workers/index.ts';

afterAll(removeTempDirs);

/** Every put, by key, with its time: a store that counts what goes over the wire. */
class CountingBlobStore extends MemoryBlobStore {
  readonly puts = new Map<string, number[]>();

  override async put(key: string, data: Uint8Array): Promise<void> {
    const times = this.puts.get(key) ?? [];
    times.push(Date.now());
    this.puts.set(key, times);
    return super.put(key, data);
  }

  /** Keys written twice within `ms`, with the shortest gap. */
  rapid(ms: number): { key: string; gapMs: number }[] {
    const out: { key: string; gapMs: number }[] = [];
    for (const [key, times] of this.puts) {
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      const min = Math.min(...gaps);
      if (gaps.length > 0 && min < ms) out.push({ key, gapMs: min });
    }
    return out;
  }
}

function smallHome(): string {
  const home = tempDir('cairn-home-');
  mkdirSync(join(home, 'p'), { recursive: true });
  writeFileSync(join(home, 'p', 'session.jsonl'), '{"type":"user"}\n');
  return home;
}

describe('writes of one key', () => {
  it('a new device’s first small backup writes no key twice within a second', async () => {
    const store = new CountingBlobStore('counting');
    const { repo: first } = await initRepo(store, tempDir(), 'first');
    await first.close();
    store.puts.clear();
    // A second device joins (its record is written at open) and backs up an agent at once.
    const repo = await openRepo(store, tempDir(), undefined, 'laptop');
    try {
      await runBackup(repo, { sources: [{ label: 'claude', path: smallHome() }], agents: ['claude-code'], reason: 'manual' });
      await runBackup(repo, { sources: [{ label: 'claude', path: smallHome() }], agents: ['claude-code'], reason: 'manual', force: true });
      const device = `devices/${repo.device.id}`;
      expect(store.puts.get(device)?.length).toBe(2); // at open, then with its agents
      expect(store.rapid(1000)).toEqual([]);
      expect((await repo.vault.loadDevice(repo.device.id))?.agents).toEqual(['claude-code']);
    } finally {
      await repo.close();
    }
  });

  it('a touch that would only move lastSeen is skipped while the record is fresh, and written once it is stale', async () => {
    const store = new CountingBlobStore('counting');
    let now = Date.now();
    const { repo } = await initRepo(store, tempDir(), 'clocked');
    await repo.close();
    const again = await Repository.open({ store, stateDir: repo.stateDir, secret: { passphrase: TEST_PASSPHRASE }, now: () => now, makeCodec: (v) => createWorkerCodec(v, { threads: 1 }) });
    try {
      store.puts.clear();
      const key = `devices/${again.device.id}`;
      now = Date.now() + 5_000;
      await again.touchDevice();
      const writes = store.puts.get(key)?.length ?? 0;
      now += 10_000;
      await again.touchDevice();
      expect(store.puts.get(key)?.length ?? 0).toBe(writes);
      now += DEVICE_LAST_SEEN_RESOLUTION_MS;
      await again.touchDevice();
      expect(store.puts.get(key)?.length ?? 0).toBe(writes + 1);
    } finally {
      await again.close();
    }
  });
});
