// `cairn` on a damaged or read-only vault, as a user runs it: one damaged object never blocks the
// others (key slots, snapshot and device records), read-only commands write nothing to the vault,
// `check --json` prints one document, and `forget --keep-*` means exactly what it says.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../testing/repo.ts';

const CLI = fileURLToPath(new URL('./cairn.ts', import.meta.url));
const PASSPHRASE = 'damage test passphrase';
let base: string;
let vault: string;
let home: string;
let recoveryKey: string;
let env: NodeJS.ProcessEnv;
let states = 0;

function cairn(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--repo', vault], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A state folder never used before: the CLI is a new device to the vault. */
const newDevice = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ CAIRN_STATE_DIR: join(base, `state-${++states}`), ...extra });

function vaultFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(vault, { recursive: true }) as string[]) {
    const st = statSync(join(vault, rel));
    if (st.isFile()) out.set(rel, `${st.size}:${st.mtimeMs}`);
  }
  return out;
}

function vaultFile(prefix: string): string {
  const rel = [...vaultFiles().keys()].find((k) => k.startsWith(prefix));
  if (!rel) throw new Error(`no ${prefix} object in the vault`);
  return rel;
}

/** Changes one vault file for the duration of `fn`. */
async function damaged<T>(rel: string, change: (bytes: Buffer) => Buffer, fn: () => T | Promise<T>): Promise<T> {
  const original = readFileSync(join(vault, rel));
  writeFileSync(join(vault, rel), change(Buffer.from(original)));
  try {
    return await fn();
  } finally {
    writeFileSync(join(vault, rel), original);
  }
}

const flipAt = (at: number) => (b: Buffer) => {
  b[at] = (b[at] as number) ^ 0x01;
  return b;
};
const slotOf = (type: 'passphrase' | 'recovery') => {
  const rel = [...vaultFiles().keys()].find((k) => k.startsWith('keys/') && readFileSync(join(vault, k), 'utf8').includes(`"type": "${type}"`));
  if (!rel) throw new Error(`no ${type} slot in the vault`);
  return rel;
};

beforeAll(() => {
  base = tempDir('cairn-cli-damage-');
  vault = join(base, 'vault');
  home = join(base, 'home');
  mkdirSync(home);
  writeFileSync(join(home, 'a.jsonl'), '{"n":1}\n'.repeat(5000));
  env = { ...process.env, CAIRN_PASSPHRASE: PASSPHRASE, CAIRN_THREADS: '1', HOME: base };
  delete env.CAIRN_RECOVERY_KEY;
  const first = newDevice();
  env.CAIRN_STATE_DIR = first.CAIRN_STATE_DIR;
  const init = cairn(['init', '--json', '--device-name', 'first']);
  expect(init.code, init.stderr).toBe(0);
  recoveryKey = (JSON.parse(init.stdout) as { recoveryKey: string }).recoveryKey;
  expect(cairn(['backup', home]).code).toBe(0);
  writeFileSync(join(home, 'b.txt'), 'second\n');
  expect(cairn(['backup', home]).code).toBe(0);
});

afterAll(() => removeTempDirs());

describe('cairn on a vault it may only read', () => {
  it('snapshots, ls, restore, check and devices from a new device write nothing to the vault and register no device', () => {
    const before = vaultFiles();
    const device = newDevice();
    const list = cairn(['snapshots', '--json'], device);
    expect(list.code, list.stderr).toBe(0);
    const [snap] = JSON.parse(list.stdout) as { id: string }[];
    expect(cairn(['ls', '--snapshot', snap?.id as string], device).code).toBe(0);
    const target = join(base, 'restored');
    const restored = cairn(['restore', '--snapshot', snap?.id as string, '--target', target], device);
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(target, 'home', 'a.jsonl'))).toEqual(readFileSync(join(home, 'a.jsonl')));
    expect(cairn(['check'], device).code).toBe(0);
    const devices = cairn(['devices', '--json'], device);
    expect(devices.code).toBe(0);
    expect((JSON.parse(devices.stdout) as { name: string }[]).map((d) => d.name)).toEqual(['first']);
    expect(vaultFiles()).toEqual(before);
  });
});

describe('cairn with one damaged object', () => {
  it('lists the other snapshots and devices, and check --json prints one document naming each damaged object', async () => {
    const snapshot = vaultFile('snapshots/');
    const device = vaultFile('devices/');
    await damaged(snapshot, flipAt(40), () =>
      damaged(device, flipAt(30), () => {
        const list = cairn(['snapshots', '--json'], newDevice());
        expect(list.code, list.stderr).toBe(0);
        expect(JSON.parse(list.stdout)).toHaveLength(1);
        expect(list.stderr).toContain(snapshot);

        const devices = cairn(['devices', '--json'], newDevice());
        expect(devices.code, devices.stderr).toBe(0);
        expect(devices.stderr).toContain(device);

        const check = cairn(['check', '--json']);
        expect(check.code).toBe(5);
        const report = JSON.parse(check.stdout) as { ok: boolean; snapshots: number; damaged: { key: string }[] }; // one document, or this throws
        expect(report.ok).toBe(false);
        expect(report.snapshots).toBe(1);
        expect(report.damaged.map((d) => d.key).sort()).toEqual([device, snapshot].sort());
        expect(check.stderr).toMatch(/2 problem/);
      }),
    );
  });

  it('a damaged recovery slot: the passphrase still opens (with a warning naming it); the recovery key is told it is damaged', async () => {
    const slot = slotOf('recovery');
    await damaged(slot, (b) => Buffer.concat([Buffer.from('x'), b]), () => {
      const withPassphrase = cairn(['snapshots'], newDevice());
      expect(withPassphrase.code, withPassphrase.stderr).toBe(0);
      expect(withPassphrase.stderr).toContain(`key slot ${slot} (recovery) is damaged`);
      const withRecovery = cairn(['snapshots'], newDevice({ CAIRN_PASSPHRASE: '', CAIRN_RECOVERY_KEY: recoveryKey }));
      expect(withRecovery.code).toBe(5);
      expect(withRecovery.stderr).toContain(slot);
    });
  });

  it('a damaged passphrase slot: reported as damaged (not a wrong passphrase); the recovery key opens and sets a new passphrase', () => {
    const slot = slotOf('passphrase');
    const text = readFileSync(join(vault, slot), 'utf8');
    const at = text.indexOf('"salt": "') + 12;
    writeFileSync(join(vault, slot), flipAt(at)(Buffer.from(text)));
    const withPassphrase = cairn(['snapshots'], newDevice());
    expect(withPassphrase.code).toBe(5);
    expect(withPassphrase.stderr).toContain(slot);
    expect(withPassphrase.stderr).not.toMatch(/does not unlock/);
    const recovery = newDevice({ CAIRN_PASSPHRASE: '', CAIRN_RECOVERY_KEY: recoveryKey });
    expect(cairn(['snapshots'], recovery).code).toBe(0);
    const passwd = cairn(['key', 'passwd'], { ...recovery, CAIRN_NEW_PASSPHRASE: 'the repaired passphrase' });
    expect(passwd.code, passwd.stderr).toBe(0);
    expect(vaultFiles().has(slot)).toBe(false); // the damaged slot was replaced
    const reopened = cairn(['snapshots'], newDevice({ CAIRN_PASSPHRASE: 'the repaired passphrase' }));
    expect(reopened.code, reopened.stderr).toBe(0);
  });
});

describe('cairn forget', () => {
  it('with --keep-last 1 keeps exactly the newest snapshot: no default hourly, daily, weekly or monthly keeps are added', () => {
    const r = cairn(['forget', '--keep-last', '1', '--dry-run', '--json'], { CAIRN_PASSPHRASE: 'the repaired passphrase' });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { policy: Record<string, number>; keep: unknown[]; forget: unknown[] };
    expect(result.policy).toEqual({ keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 });
    expect(result.keep).toHaveLength(1);
    expect(result.forget).toHaveLength(1);
  });
});
