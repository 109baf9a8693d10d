// `cairn init` on a bucket that doesn't exist yet, against a real S3 server: created when the key
// may create buckets (and said so), and a clear error naming s3:CreateBucket when it may not.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startS3Server } from '../../testing/s3-server.ts';
import type { S3Server } from '../../testing/s3-server.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
let server: S3Server;
let base: string;

beforeAll(async () => {
  server = await startS3Server();
  base = tempDir('cairn-cli-init-bucket-');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

function cairn(args: string[], keys: { accessKeyId: string; secretAccessKey: string }, state: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: base,
    CAIRN_STATE_DIR: join(base, state),
    CAIRN_PASSPHRASE: 'init bucket passphrase',
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_REGION: server.region,
    CAIRN_RETRIES: '2',
    CAIRN_THREADS: '1',
  };
  delete env.CAIRN_REPO;
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function bucketExists(name: string): Promise<boolean> {
  const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  try {
    await client.send(new HeadBucketCommand({ Bucket: name }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

describe('cairn init on a missing bucket', () => {
  it('creates the bucket when the key may, says so, and the vault works', async () => {
    const admin = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    const repo = ['--repo', 's3://fresh-bucket/cairn', '--endpoint', server.endpoint, '--path-style'];
    expect(await bucketExists('fresh-bucket')).toBe(false);
    const init = cairn(['init', ...repo], admin, 'state-a');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("The bucket 'fresh-bucket' did not exist: created it");
    expect(init.stdout).toContain('Created a vault at');
    expect(await bucketExists('fresh-bucket')).toBe(true);
    const snaps = cairn(['snapshots', ...repo, '--json'], admin, 'state-a');
    expect(snaps.code, snaps.stderr).toBe(0);
    expect(JSON.parse(snaps.stdout)).toEqual([]);

    // An existing bucket is used as it is, without a word about creating it.
    const second = cairn(['init', '--repo', 's3://fresh-bucket/other', '--endpoint', server.endpoint, '--path-style', '--json'], admin, 'state-b');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).not.toHaveProperty('bucketCreated');
  });

  it('names the missing s3:CreateBucket permission when the key may not create buckets', async () => {
    const init = cairn(['init', '--repo', 's3://not-allowed/cairn', '--endpoint', server.endpoint, '--path-style'], server.limitedUser, 'state-c');
    expect(init.code).not.toBe(0);
    // Swift, like a per-bucket key elsewhere, hides whether the bucket exists from this key.
    expect(init.stderr).toContain("may not reach the bucket 'not-allowed'");
    expect(init.stderr).toContain('it does not exist and they lack the s3:CreateBucket permission');
    expect(init.stderr).toContain("Create the bucket by hand in your provider's console (or with 'aws s3 mb s3://not-allowed'");
    expect(init.stderr).not.toMatch(/at .*node_modules|TypeError/);
    expect(await bucketExists('not-allowed')).toBe(false);
  });
});
