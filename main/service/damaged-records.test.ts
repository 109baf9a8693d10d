import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClaudeCodeFixture } from '../engine/agents/fixtures.ts';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';
import { syncAndWait } from '../../testing/service.ts';
import { MemorySecretStore } from '../keychain/index.ts';
import { createCairnService } from './index.ts';
import type { CairnService } from './index.ts';


function flipByte(file: string): void {
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x40;
  writeFileSync(file, bytes);
}

// Issue 17: one damaged snapshot or device record must not break the app's lists on a new device.
describe('the app on a vault with one damaged snapshot record and one damaged device record', () => {
  const secrets = new MemorySecretStore();
  let vault: string;
  let a: CairnService;
  let b: CairnService;
  let aDevice: string;

  beforeAll(async () => {
    const root = tempDir('cairn-damaged-');
    vault = join(root, 'vault');
    const home = join(root, 'home-a');
    await buildClaudeCodeFixture({ home, platform: 'linux' });
    a = await createCairnService({ stateDir: tempDir('cairn-damaged-a-'), secrets, home, env: {}, platform: 'linux' });
    await a.handlers['setup.createVault']({ location: { provider: 'local', prefix: '', path: vault }, passphrase: 'a long passphrase', deviceName: 'laptop' });
    expect((await syncAndWait(a)).status).toBe('done');
    const projects = join(home, '.claude', 'projects');
    const project = join(projects, readdirSync(projects)[0] as string);
    appendFileSync(join(project, readdirSync(project).find((f) => f.endsWith('.jsonl')) as string), '{"type":"user","message":{"role":"user","content":"one more"}}\n');
    expect((await syncAndWait(a)).status).toBe('done');
    const snaps = await a.handlers['snapshots.list']({});
    expect(snaps).toHaveLength(2);
    aDevice = snaps[0]!.deviceId;
    await a.close();

    // The older snapshot record and A's device record each get one flipped byte.
    const oldest = snaps[1]!;
    flipByte(join(vault, 'snapshots', aDevice, oldest.id));
    flipByte(join(vault, 'devices', aDevice));

    b = await createCairnService({ stateDir: tempDir('cairn-damaged-b-'), secrets: new MemorySecretStore(), home: tempDir('cairn-damaged-home-b-'), env: {}, platform: 'linux' });
    await b.handlers['setup.joinVault']({ location: { provider: 'local', prefix: '', path: vault }, secret: { passphrase: 'a long passphrase' }, deviceName: 'desktop' });
  });

  afterAll(async () => {
    await b?.close();
    removeTempDirs();
  });

  it('lists the readable snapshot and names the damaged one in the status', async () => {
    const list = await b.handlers['snapshots.list']({});
    expect(list.map((s) => s.deviceId)).toEqual([aDevice]);
    const status = await b.handlers['status.get']({});
    expect(status.damaged?.map((d) => d.key)).toContainEqual(expect.stringMatching(new RegExp(`^snapshots/${aDevice}/`)));
  });

  it('lists the readable devices and names the damaged device record', async () => {
    const devices = await b.handlers['devices.list']({});
    expect(devices.map((d) => d.name)).toContain('desktop');
    const status = await b.handlers['status.get']({});
    expect(status.damaged?.map((d) => d.key)).toContain(`devices/${aDevice}`);
    expect((await b.handlers['vault.stats']({})).snapshots).toBe(1);
  });

  it("finds the other device's sessions although one of its snapshot records is damaged", async () => {
    const sessions = await b.handlers['sessions.list']({ filter: {}, refresh: true });
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => s.deviceId === aDevice)).toBe(true);
  });
});
