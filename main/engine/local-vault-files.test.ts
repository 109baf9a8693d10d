import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { DeviceIdentityFile, HeaderCache } from './local-vault-files.ts';
import type { DeviceIdentity } from './local-vault-files.ts';

afterAll(() => removeTempDirs());

describe("a vault's local files", () => {
  it('gives a new device a random id once, keeps it, and renames it only when asked', () => {
    const dir = tempDir('cairn-identity-');
    const first = new DeviceIdentityFile(dir).load('laptop');
    expect(first).toMatchObject({ isNew: true, renamed: false, device: { name: 'laptop' } });
    expect(first.device.id).toMatch(/^[0-9a-f]{16}$/);
    expect(new DeviceIdentityFile(dir).load()).toEqual({ device: first.device, isNew: false, renamed: false });
    const renamed = new DeviceIdentityFile(dir).load('desk');
    expect(renamed).toEqual({ device: { id: first.device.id, name: 'desk' }, isNew: false, renamed: true });
    expect(JSON.parse(readFileSync(join(dir, 'device.json'), 'utf8'))).toEqual(renamed.device);
  });

  it('starts a damaged identity again as a new device, and reads a damaged header cache as none', () => {
    const dir = tempDir('cairn-identity-');
    writeFileSync(join(dir, 'device.json'), '{"id": "abc", "na');
    expect(new DeviceIdentityFile(dir).load()).toMatchObject({ isNew: true });
    const headers = new HeaderCache(dir, 's3:https://example.test/bucket');
    expect(headers.read()).toBeUndefined();
    headers.write({ config: { id: 'v' } as never, slots: [] });
    expect(headers.read()).toEqual({ config: { id: 'v' }, slots: [] });
    headers.forget();
    expect(existsSync(headers.file)).toBe(false);
  });

  it('takes a lost or damaged identity back from the record the state DB last wrote', () => {
    const dir = tempDir('cairn-identity-');
    const recorded = { id: '0123456789abcdef', name: 'laptop' } as DeviceIdentity;
    for (const damage of ['', '{"id": "abc", "na', '{}', null]) {
      if (damage === null) rmSync(join(dir, 'device.json'), { force: true });
      else writeFileSync(join(dir, 'device.json'), damage);
      expect(new DeviceIdentityFile(dir).load(undefined, recorded)).toEqual({ device: recorded, isNew: false, renamed: false });
      expect(JSON.parse(readFileSync(join(dir, 'device.json'), 'utf8'))).toEqual(recorded);
    }
    writeFileSync(join(dir, 'device.json'), '');
    expect(new DeviceIdentityFile(dir).load('desk', recorded)).toEqual({ device: { id: recorded.id, name: 'desk' }, isNew: false, renamed: true });
  });
});
