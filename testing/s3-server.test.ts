import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startS3Server } from './s3-server.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startS3Server', () => {
  it('serves S3 on 127.0.0.1, creates buckets, and stop() removes every process and file', async () => {
    const server = await startS3Server({ buckets: ['harness-one'] });
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(`${server.dir}/swift.conf`)).toBe(true);
    await server.createBucket('harness-two');
    // A request with a bad signature reaches s3api, which refuses it the way S3 does.
    const response = await fetch(`${server.endpoint}/harness-one`, {
      headers: { Authorization: `AWS ${server.accessKeyId}:bm90LWEtc2lnbmF0dXJl`, Date: new Date().toUTCString() },
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const pids = Object.values(server.pids);
    expect(pids.every(alive)).toBe(true);

    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    // Killed children may linger a moment as zombies of a reaper; give them a little time.
    const deadline = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pids.filter(alive)).toEqual([]);
    await server.stop(); // idempotent
  });

  it('refuses a data folder without user xattrs, saying why', async () => {
    await expect(startS3Server({ baseDir: '/proc' })).rejects.toThrow(/extended attributes/);
  });
});
