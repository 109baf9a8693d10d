// `cairn backup` and `cairn sync` on a machine whose vault goes away: backups wait in the outbox
// in the state folder, survive the process, and upload in order when the vault is back.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startS3Server } from '../../testing/s3-server.ts';
import type { S3Server } from '../../testing/s3-server.ts';
import { startTcpGate } from '../../testing/tcp-gate.ts';
import type { TcpGate } from '../../testing/tcp-gate.ts';
import { runCli } from '../../testing/cli.ts';

let server: S3Server;
let gate: TcpGate;
let env: NodeJS.ProcessEnv;
let home: string;

const cairn = (args: string[]) => runCli(args, env);
const repo = () => ['--repo', 's3://outbox/cairn', '--endpoint', gate.endpoint, '--path-style'];

beforeAll(async () => {
  server = await startS3Server({ buckets: ['outbox'] });
  gate = await startTcpGate(server.endpoint);
  const base = tempDir('cairn-cli-outbox-');
  home = join(base, 'work');
  mkdirSync(join(home, 'sessions'), { recursive: true });
  writeFileSync(join(home, 'sessions', 'a.jsonl'), '{"turn":1}\n');
  env = {
    ...process.env,
    CAIRN_PASSPHRASE: 'cli outbox passphrase',
    CAIRN_STATE_DIR: join(base, 'state'),
    HOME: join(base, 'home'),
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    CAIRN_RETRIES: '2',
    CAIRN_THREADS: '1',
  };
  mkdirSync(env.HOME as string);
}, 120_000);

afterAll(async () => {
  await gate?.stop();
  await server?.stop();
  removeTempDirs();
});

describe('cairn backup with the vault unreachable', () => {
  it('keeps snapshots in the outbox, then uploads them in order and restores byte for byte', async () => {
    expect((await cairn(['init', ...repo()])).code).toBe(0);
    const first = await cairn(['backup', ...repo(), '--json', home]);
    expect(first.code, first.stderr).toBe(0);

    await gate.close();
    appendFileSync(join(home, 'sessions', 'a.jsonl'), '{"turn":2}\n');
    const offline1 = await cairn(['backup', ...repo(), '--json', home]);
    expect(offline1.code, offline1.stderr).toBe(0);
    expect(JSON.parse(offline1.stdout)).toMatchObject({ unchanged: false, offline: true, waiting: 1, cause: { code: 'unreachable' } });

    writeFileSync(join(home, 'sessions', 'b.jsonl'), '{"turn":1}\n');
    const offline2 = await cairn(['backup', ...repo(), home]);
    expect(offline2.code, offline2.stderr).toBe(0);
    expect(offline2.stdout).toMatch(/kept on this device/);
    expect(offline2.stdout).toMatch(/2 snapshot\(s\) wait on this device/);

    // A sync while offline backs up into the outbox too, and says that nothing was pulled.
    appendFileSync(join(home, 'sessions', 'b.jsonl'), '{"turn":2}\n');
    const offlineSync = await cairn(['sync', ...repo(), '--json']);
    expect(offlineSync.code, offlineSync.stderr).toBe(0);
    expect(JSON.parse(offlineSync.stdout)).toMatchObject({ offline: true });

    await gate.open();
    const back = await cairn(['backup', ...repo(), '--json', home]);
    expect(back.code, back.stderr).toBe(0);
    const result = JSON.parse(back.stdout) as { uploadedWaiting: number; offline?: boolean };
    expect(result.uploadedWaiting).toBe(3); // two backups and the sync's
    expect(result.offline).toBeUndefined();

    const snapshots = JSON.parse((await cairn(['snapshots', ...repo(), '--json'])).stdout) as { id: string; time: string; roots: { label: string }[] }[];
    expect(snapshots.filter((s) => s.roots.some((r) => r.label === 'work'))).toHaveLength(4);
    const times = snapshots.map((s) => s.time);
    expect([...times].sort()).toEqual(times);

    const target = tempDir('cairn-cli-outbox-restore-');
    const restored = await cairn(['restore', ...repo(), '--snapshot', 'latest', '--target', target]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(diffTrees(home, join(target, 'work'))).toEqual([]);
    expect((await cairn(['check', ...repo(), '--read-data'])).code).toBe(0);
  }, 120_000);
});
