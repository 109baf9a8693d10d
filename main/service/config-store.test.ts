// A config.json Cairn can't read as it is (issue 14): the original is kept as config.json.bad
// (never overwritten; a second one gets a suffix) before anything is written, what still
// validates — the vault location first — is recovered, and the problem is recorded so the app's
// status and the CLI say so. Settings are validated field by field, a missing one is its default.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { chooseVault } from '../cli/vault-choice.ts';
import { describeConfigProblem } from './config-file.ts';
import { ConfigStore, DEFAULT_SETTINGS } from './config-store.ts';
import { createCairnService } from './index.ts';

afterAll(() => removeTempDirs());

const location = { provider: 'local', prefix: 'cairn', path: '/srv/vault' } as const;

function stateWith(text: string): { dir: string; file: string } {
  const dir = tempDir('cairn-config-');
  const file = join(dir, 'config.json');
  writeFileSync(file, text);
  return { dir, file };
}

describe('ConfigStore', () => {
  it('keeps a config.json that is not JSON as config.json.bad, byte for byte, and says so', () => {
    const text = '{"version":1,"location":{"provider":"local","path":"/srv/vault"'; // cut off
    const { dir, file } = stateWith(text);
    const store = new ConfigStore(dir, () => Date.parse('2026-12-04T12:00:00Z'));
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe(text);
    expect(store.get().problem).toMatchObject({ keptAs: `${file}.bad`, at: '2026-12-04T12:00:00.000Z', reset: ['location', 'settings'] });
    expect(store.get().problem?.reason).toMatch(/not valid JSON/);
    expect(store.get().settings).toEqual(DEFAULT_SETTINGS);
    // The file is now readable, and still says what happened (for the CLI, and after a restart).
    const again = new ConfigStore(dir);
    expect(again.get().problem?.keptAs).toBe(`${file}.bad`);
    expect(existsSync(`${file}.bad.2`)).toBe(false);
  });

  it('recovers the vault location when only the settings are bad, resetting just the bad fields', () => {
    const original = { version: 1, location, vaultId: 'v1', settings: { theme: 'purple', intervalMinutes: 45, retention: { keepLast: 0 } } };
    const text = JSON.stringify(original);
    const { dir, file } = stateWith(text);
    const store = new ConfigStore(dir);
    expect(store.get().location).toEqual(location);
    expect(store.get().vaultId).toBe('v1');
    expect(store.get().settings).toEqual({ ...DEFAULT_SETTINGS, intervalMinutes: 45 });
    expect(store.get().problem?.reset).toEqual(['settings.retention', 'settings.theme']);
    expect(store.get().problem?.reason).toMatch(/settings\.retention\.keepLast/);
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe(text);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ location, vaultId: 'v1' });
  });

  it('never overwrites an earlier .bad: a second bad file is kept beside it', () => {
    const { dir, file } = stateWith('not json at all');
    writeFileSync(`${file}.bad`, 'the first bad file');
    new ConfigStore(dir);
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe('the first bad file');
    expect(readFileSync(`${file}.bad.2`, 'utf8')).toBe('not json at all');
  });

  it('refuses to start, changing nothing, when the original cannot be kept', () => {
    const dir = tempDir('cairn-config-');
    const file = join(dir, 'config.json');
    mkdirSync(file); // unreadable as a file, and impossible to copy
    expect(() => new ConfigStore(dir)).toThrow(/could not keep a copy of it/);
    expect(existsSync(`${file}.bad`)).toBe(false);
  });

  it('fills in missing settings with their defaults and leaves a good file alone', () => {
    const text = JSON.stringify({ version: 1, location, settings: { theme: 'dark' } });
    const { dir, file } = stateWith(text);
    const store = new ConfigStore(dir);
    expect(store.get().settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
    expect(store.get().problem).toBeUndefined();
    expect(existsSync(`${file}.bad`)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('drops the notice once the user saves settings, not on other writes', () => {
    const { dir } = stateWith('[]');
    const store = new ConfigStore(dir);
    expect(store.get().problem?.reason).toMatch(/expected object/);
    store.update({ vaultId: 'x' });
    expect(store.get().problem).toBeDefined();
    store.update({ settings: { ...DEFAULT_SETTINGS, theme: 'light' } });
    expect(store.get().problem).toBeUndefined();
    expect(new ConfigStore(dir).get().problem).toBeUndefined();
  });
});

describe('the CLI on a recovered config.json', () => {
  it('still finds the vault and has the notice to print', () => {
    const { dir, file } = stateWith(JSON.stringify({ version: 1, location, settings: { intervalMinutes: 'often' } }));
    new ConfigStore(dir);
    const chosen = chooseVault({ stateDir: dir }, {});
    expect(chosen).toMatchObject({ source: 'app', location: { path: '/srv/vault' } });
    expect(chosen.configProblem?.keptAs).toBe(`${file}.bad`);
    expect(describeConfigProblem(chosen.configProblem!)).toMatch(/kept as .*config\.json\.bad\. Reset to defaults: settings\.intervalMinutes; the vault location was kept/);
  });
});

describe('the service on a damaged config.json', () => {
  it('opens the same vault, with the bad settings reset, and its status says where the original is', { timeout: 120_000 }, async () => {
    const base = tempDir('cairn-config-svc-');
    const stateDir = join(base, 'state');
    const secrets = new MemorySecretStore();
    const start = () => createCairnService({ stateDir, secrets, home: join(base, 'home'), env: {}, platform: 'linux' });
    let service = await start();
    const created = await service.handlers['setup.createVault']({ location: { provider: 'local', prefix: 'cairn', path: join(base, 'vault') }, passphrase: 'a long passphrase' });
    await service.handlers['settings.set']({ intervalMinutes: 60 });
    await service.close();

    const file = join(stateDir, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    config.settings.quietSeconds = 'sixty';
    writeFileSync(file, JSON.stringify(config));

    service = await start();
    try {
      const status = await service.handlers['status.get']({});
      expect(status.state).toBe('idle');
      expect(status.fingerprint).toBe(created.fingerprint);
      expect(status.configProblem?.keptAs).toBe(`${file}.bad`);
      expect(status.configProblem?.message).toContain(`${file}.bad`);
      expect(status.configProblem?.message).toMatch(/settings\.quietSeconds/);
      expect(await service.handlers['settings.get']({})).toMatchObject({ intervalMinutes: 60, quietSeconds: DEFAULT_SETTINGS.quietSeconds });
      await service.handlers['settings.set']({ theme: 'dark' });
      expect((await service.handlers['status.get']({})).configProblem).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});
