import { describe, expect, it } from 'vitest';
import { CairnError } from '../../shared/errors.ts';
import {
  EnvSecretStore,
  KEYCHAIN_SERVICE,
  KeytarSecretStore,
  MemorySecretStore,
  UnavailableSecretStore,
  decodeCredentials,
  encodeCredentials,
  openSecretStore,
  secretAccounts,
  type KeytarApi,
} from './index.ts';

function fakeKeytar(): KeytarApi & { calls: string[] } {
  const entries = new Map<string, string>();
  const calls: string[] = [];
  return {
    calls,
    async getPassword(service, account) {
      calls.push(`get ${service} ${account}`);
      return entries.get(`${service}/${account}`) ?? null;
    },
    async setPassword(service, account, password) {
      calls.push(`set ${service} ${account}`);
      entries.set(`${service}/${account}`, password);
    },
    async deletePassword(service, account) {
      calls.push(`delete ${service} ${account}`);
      return entries.delete(`${service}/${account}`);
    },
    async findCredentials(service) {
      calls.push(`find ${service}`);
      return [];
    },
  };
}

function brokenKeytar(message: string): KeytarApi {
  const fail = async (): Promise<never> => {
    throw new Error(message);
  };
  return { getPassword: fail, setPassword: fail, deletePassword: fail, findCredentials: fail };
}

async function expectCairnError(promise: Promise<unknown>, code: string): Promise<CairnError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CairnError);
  expect((error as CairnError).code).toBe(code);
  return error as CairnError;
}

describe('MemorySecretStore', () => {
  it('sets, gets and deletes', async () => {
    const store = new MemorySecretStore({ 'a:unlock': 'one' });
    expect(await store.get('a:unlock')).toBe('one');
    await store.set('a:unlock', 'two');
    expect(await store.get('a:unlock')).toBe('two');
    await store.delete('a:unlock');
    expect(await store.get('a:unlock')).toBeUndefined();
  });
});

describe('EnvSecretStore', () => {
  const env = { CAIRN_PASSPHRASE: 'from env', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'shh' };

  it('maps CAIRN_PASSPHRASE to unlock accounts and the AWS variables to credentials', async () => {
    const store = new EnvSecretStore(env);
    expect(await store.get(secretAccounts.unlock('v1'))).toBe('from env');
    const credentials = await store.get(secretAccounts.credentials('v1'));
    expect(credentials).toBeDefined();
    expect(decodeCredentials(credentials ?? '')).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 'shh' });
    expect(await store.get('v1:something-else')).toBeUndefined();
  });

  it('has no credentials unless both AWS variables are set, and treats empty as unset', async () => {
    const store = new EnvSecretStore({ AWS_ACCESS_KEY_ID: 'AKIA1', CAIRN_PASSPHRASE: '' });
    expect(await store.get(secretAccounts.credentials('v1'))).toBeUndefined();
    expect(await store.get(secretAccounts.unlock('v1'))).toBeUndefined();
    expect(new EnvSecretStore({}).hasAny()).toBe(false);
    expect(store.hasAny()).toBe(true);
  });

  it('is read-only and says which variable to set', async () => {
    const store = new EnvSecretStore(env);
    const error = await expectCairnError(store.set(secretAccounts.unlock('v1'), 'x'), 'config');
    expect(error.message).toContain('CAIRN_PASSPHRASE');
    await expectCairnError(store.delete(secretAccounts.credentials('v1')), 'config');
    expect(await store.get(secretAccounts.unlock('v1'))).toBe('from env');
  });
});

describe('credential encoding', () => {
  it('round-trips and refuses garbage', () => {
    const credentials = { accessKeyId: 'id', secretAccessKey: 'secret' };
    expect(decodeCredentials(encodeCredentials(credentials))).toEqual(credentials);
    expect(() => decodeCredentials('not json')).toThrow(CairnError);
    expect(() => decodeCredentials('{"accessKeyId":"id"}')).toThrow(/incomplete/);
  });
});

describe('KeytarSecretStore (with a fake keytar)', () => {
  it('files secrets under the "Cairn" service by default', async () => {
    const keytar = fakeKeytar();
    const store = new KeytarSecretStore({ loadKeytar: async () => keytar });
    await store.set('v:unlock', 'p');
    expect(await store.get('v:unlock')).toBe('p');
    await store.delete('v:unlock');
    expect(await store.get('v:unlock')).toBeUndefined();
    expect(keytar.calls).toEqual([`set ${KEYCHAIN_SERVICE} v:unlock`, `get ${KEYCHAIN_SERVICE} v:unlock`, `delete ${KEYCHAIN_SERVICE} v:unlock`, `get ${KEYCHAIN_SERVICE} v:unlock`]);
    expect(KEYCHAIN_SERVICE).toBe('Cairn');
  });

  it('turns a missing Secret Service into keychain_unavailable with a plain message', async () => {
    const store = new KeytarSecretStore({ platform: 'linux', loadKeytar: async () => brokenKeytar('Cannot autolaunch D-Bus without X11 $DISPLAY') });
    const error = await expectCairnError(store.get('v:unlock'), 'keychain_unavailable');
    expect(error.message).toContain('Cannot autolaunch D-Bus without X11 $DISPLAY');
    expect(error.message).toContain('GNOME Keyring');
    await expectCairnError(store.set('v:unlock', 'p'), 'keychain_unavailable');
  });

  it('turns a native module that fails to load into keychain_unavailable, and tries again later', async () => {
    let attempts = 0;
    const keytar = fakeKeytar();
    const store = new KeytarSecretStore({
      loadKeytar: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('keytar.node: cannot open shared object file');
        return keytar;
      },
    });
    await expectCairnError(store.get('v:unlock'), 'keychain_unavailable');
    expect(await store.get('v:unlock')).toBeUndefined();
    expect(attempts).toBe(2);
  });
});

describe('openSecretStore', () => {
  it('returns the keychain when it answers', async () => {
    const opened = await openSecretStore({ loadKeytar: async () => fakeKeytar() });
    expect(opened.available).toBe(true);
    expect(opened.store).toBeInstanceOf(KeytarSecretStore);
  });

  it('reports an unavailable keychain and hands out a store that fails loudly, never a plaintext one', async () => {
    const opened = await openSecretStore({ platform: 'linux', loadKeytar: async () => brokenKeytar('The name org.freedesktop.secrets was not provided by any .service files') });
    expect(opened.available).toBe(false);
    if (opened.available) return;
    expect(opened.problem.code).toBe('keychain_unavailable');
    expect(opened.store).toBeInstanceOf(UnavailableSecretStore);
    expect(opened.store.description).toContain('unavailable');
    await expectCairnError(opened.store.get('v:unlock'), 'keychain_unavailable');
    await expectCairnError(opened.store.set('v:unlock', 'p'), 'keychain_unavailable');
  });

  it('counts a keychain that never answers as unavailable', async () => {
    const hanging: KeytarApi = { ...fakeKeytar(), findCredentials: () => new Promise(() => {}) };
    const opened = await openSecretStore({ probeTimeoutMs: 20, loadKeytar: async () => hanging });
    expect(opened.available).toBe(false);
    if (!opened.available) expect(opened.problem.message).toMatch(/did not answer/);
  });

  it('prefers environment secrets only when asked to and when there are some', async () => {
    const withEnv = await openSecretStore({ env: { CAIRN_PASSPHRASE: 'p' }, loadKeytar: async () => fakeKeytar() });
    expect(withEnv.store).toBeInstanceOf(EnvSecretStore);
    const emptyEnv = await openSecretStore({ env: {}, loadKeytar: async () => fakeKeytar() });
    expect(emptyEnv.store).toBeInstanceOf(KeytarSecretStore);
  });
});
