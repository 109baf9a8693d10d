import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { DEVICE_LOCK_FILE, withDeviceLock } from './device-lock.ts';
import type { DeviceLockHolder } from './device-lock.ts';

afterAll(removeTempDirs);

describe("this device's backup lock", () => {
  it('a second run waits for the first, is told who holds it, then runs; the lock is gone after', async () => {
    const dir = tempDir('cairn-device-lock-');
    const order: string[] = [];
    let release = () => {};
    const first = withDeviceLock(dir, { what: 'the Cairn app', waitMs: 0 }, async () => {
      order.push('first starts');
      await new Promise<void>((r) => (release = r));
      order.push('first ends');
    });
    const told: DeviceLockHolder[] = [];
    const second = withDeviceLock(dir, { what: 'cairn backup', waitMs: 10_000, onWaiting: (h) => told.push(h) }, async () => void order.push('second runs'));
    await new Promise((r) => setTimeout(r, 400));
    expect(order).toEqual(['first starts']);
    expect(told).toEqual([expect.objectContaining({ what: 'the Cairn app', pid: process.pid })]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
    expect(existsSync(join(dir, DEVICE_LOCK_FILE))).toBe(false);
  });

  it('gives up after its wait with an error naming the other run, and runs nothing', async () => {
    const dir = tempDir('cairn-device-lock-');
    let release = () => {};
    const first = withDeviceLock(dir, { what: 'cairn sync', waitMs: 0 }, () => new Promise<void>((r) => (release = r)));
    let ran = false;
    await expect(withDeviceLock(dir, { what: 'cairn backup', waitMs: 300 }, async () => void (ran = true))).rejects.toMatchObject({
      code: 'locked',
      message: expect.stringMatching(/^Another backup of this device is running \(cairn sync, process \d+, since .* UTC\)\. Nothing was backed up/),
    });
    expect(ran).toBe(false);
    release();
    await first;
  });

  it("takes over at once the lock of a process that no longer runs (killed, power lost)", async () => {
    const dir = tempDir('cairn-device-lock-');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, DEVICE_LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), hostname: hostname(), since: '2026-12-07T10:00:00.000Z', what: 'cairn backup' }));
    const told: DeviceLockHolder[] = [];
    const started = Date.now();
    expect(await withDeviceLock(dir, { what: 'the Cairn app', waitMs: 60_000, onWaiting: (h) => told.push(h) }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(told).toEqual([]);
  });

  it("never takes over the lock of another machine's process (a state folder two machines share), and names that machine", async () => {
    const dir = tempDir('cairn-device-lock-');
    writeFileSync(join(dir, DEVICE_LOCK_FILE), JSON.stringify({ pid: 1, hostname: 'other-laptop', since: '2026-12-07T10:00:00.000Z', what: 'cairn backup' }));
    await expect(withDeviceLock(dir, { what: 'the Cairn app', waitMs: 200 }, async () => 'ran')).rejects.toMatchObject({ code: 'locked', message: expect.stringContaining('(cairn backup, process 1 on other-laptop, since 2026-12-07 10:00:00 UTC)') });
    expect(existsSync(join(dir, DEVICE_LOCK_FILE))).toBe(true);
  });

  it('a run failing releases the lock', async () => {
    const dir = tempDir('cairn-device-lock-');
    await expect(withDeviceLock(dir, { what: 'cairn backup', waitMs: 0 }, async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(await withDeviceLock(dir, { what: 'cairn backup', waitMs: 0 }, async () => 'again')).toBe('again');
  });
});
