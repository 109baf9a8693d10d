// KeytarSecretStore against a real Secret Service. Run under `scripts/with-keyring.sh` (private
// D-Bus session, throwaway HOME, unlocked GNOME Keyring); anywhere else the file says why it
// skips instead of silently passing.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore, openSecretStore } from './index.ts';

const run = promisify(execFile);

// A service name of its own, so that even on a desktop with a real keyring nothing of the
// user's is read or overwritten.
const service = `Cairn-test-${process.pid}-${randomBytes(4).toString('hex')}`;
const opened = await openSecretStore({ service, probeTimeoutMs: 5_000 });
const cause = opened.available ? undefined : opened.problem.cause instanceof Error ? opened.problem.cause.message : opened.problem.message;
const skipReason = opened.available ? undefined : `no Secret Service reachable (${cause}); run them with \`scripts/with-keyring.sh vitest run main/keychain\``;
if (skipReason !== undefined) process.stderr.write(`[keychain] skipping the keytar tests: ${skipReason}\n`);

describe.skipIf(skipReason !== undefined)('KeytarSecretStore with a real Secret Service', () => {
  const accounts = ['vault-1:credentials', 'vault-1:unlock', 'vault-2:unlock'];

  afterAll(async () => {
    const store = new KeytarSecretStore({ service });
    for (const account of accounts) await store.delete(account);
  });

  it('sets, gets and deletes a secret', async () => {
    const store = new KeytarSecretStore({ service });
    expect(await store.get('vault-1:unlock')).toBeUndefined();
    await store.set('vault-1:unlock', 'correct horse battery staple');
    expect(await store.get('vault-1:unlock')).toBe('correct horse battery staple');
    await store.delete('vault-1:unlock');
    expect(await store.get('vault-1:unlock')).toBeUndefined();
  });

  it('overwrites, keeps accounts apart and stores any unicode secret as is', async () => {
    const store = new KeytarSecretStore({ service });
    const credentials = JSON.stringify({ accessKeyId: 'AKIA-TEST', secretAccessKey: 'sëcret/+=…🔑' });
    await store.set('vault-1:credentials', 'first');
    await store.set('vault-1:credentials', credentials);
    await store.set('vault-2:unlock', 'other vault');
    expect(await store.get('vault-1:credentials')).toBe(credentials);
    expect(await store.get('vault-2:unlock')).toBe('other vault');
    expect(await store.get('vault-1:unlock')).toBeUndefined();
  });

  it('deleting a missing secret is not an error', async () => {
    const store = new KeytarSecretStore({ service });
    await expect(store.delete('vault-1:never-set')).resolves.toBeUndefined();
  });

  it('survives a restart: a new store instance, and a new process, read what was written', async () => {
    const writer = new KeytarSecretStore({ service });
    await writer.set('vault-2:unlock', 'kept across restarts');

    const reopened = new KeytarSecretStore({ service });
    expect(await reopened.get('vault-2:unlock')).toBe('kept across restarts');

    const module = fileURLToPath(new URL('./keytar-secret-store.ts', import.meta.url));
    const script = `
      const { KeytarSecretStore } = await import(${JSON.stringify(module)});
      const store = new KeytarSecretStore({ service: ${JSON.stringify(service)} });
      process.stdout.write(JSON.stringify({ value: await store.get('vault-2:unlock') ?? null }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ value: 'kept across restarts' });
  });

  it('keeps secrets under its own service name', async () => {
    const store = new KeytarSecretStore({ service });
    const other = new KeytarSecretStore({ service: `${service}-other` });
    await store.set('vault-1:unlock', 'mine');
    expect(await other.get('vault-1:unlock')).toBeUndefined();
  });
});
