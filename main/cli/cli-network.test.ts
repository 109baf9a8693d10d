// The `cairn` command against endpoints that don't answer: it must give up within the bounds it
// documents, with exit status 6 and a message that says what happened.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startTcpGate } from '../../testing/tcp-gate.ts';
import { cliStoreOptions } from './context.ts';


const cairn = runCli;

afterAll(() => removeTempDirs());

describe('cairn against an endpoint that never answers', () => {
  it('gives up after CAIRN_RETRIES attempts of CAIRN_TIMEOUT seconds, with exit status 6', async () => {
    const gate = await startTcpGate({ host: '127.0.0.1', port: 9 });
    await gate.stall();
    try {
      const base = tempDir('cairn-cli-net-');
      const env = { ...process.env, CAIRN_PASSPHRASE: 'p', CAIRN_STATE_DIR: join(base, 'state'), HOME: join(base, 'home'), AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', CAIRN_TIMEOUT: '1', CAIRN_RETRIES: '2' };
      mkdirSync(env.HOME);
      const r = await cairn(['snapshots', '--repo', 's3://bucket/vault', '--endpoint', gate.endpoint, '--path-style'], env);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toContain(`Could not reach ${gate.endpoint}`);
      // 2 attempts of 1 s of silence, plus one backoff and start-up: well under the 5 × 60 s of old.
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      await gate.stop();
    }
  }, 30_000);
});

describe('cliStoreOptions', () => {
  it('defaults to 4 attempts of 30 s of silence, and reads CAIRN_TIMEOUT and CAIRN_RETRIES', () => {
    expect(cliStoreOptions({})).toMatchObject({ retry: { maxAttempts: 4 }, s3: { socketTimeoutMs: 30_000, connectionTimeoutMs: 10_000 } });
    expect(cliStoreOptions({ CAIRN_TIMEOUT: '2.5', CAIRN_RETRIES: '1' })).toMatchObject({ retry: { maxAttempts: 1 }, s3: { socketTimeoutMs: 2500, connectionTimeoutMs: 2500 } });
  });

  it('refuses values that are not positive numbers, naming the variable', () => {
    expect(() => cliStoreOptions({ CAIRN_TIMEOUT: 'soon' })).toThrow(/CAIRN_TIMEOUT must be a positive number, got 'soon'/);
    expect(() => cliStoreOptions({ CAIRN_RETRIES: '0' })).toThrow(/CAIRN_RETRIES must be a positive number/);
    expect(() => cliStoreOptions({ CAIRN_RETRIES: '2.5' })).toThrow(/whole number/);
  });
});
