// Test helpers for the engine: repositories with cheap key derivation, temp folders, and a
// byte-exact comparison of two folder trees (content, mode, mtime, symlinks).

import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copySqliteConsistent } from '../main/engine/agents/index.ts';
import { backup } from '../main/engine/backup/index.ts';
import type { BackupOptions, BackupSource } from '../main/engine/backup/index.ts';
import { Repository } from '../main/engine/repository.ts';
import type { BlobStore } from '../main/engine/storage/index.ts';
import { createWorkerCodec } from '../main/engine/workers/index.ts';

export const TEST_PASSPHRASE = 'correct horse battery staple';
/** Cheap scrypt for tests; the real default takes ~0.4 s per unlock. */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

const temps: string[] = [];

export function tempDir(prefix = 'cairn-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function initRepo(store: BlobStore, stateDir = tempDir('cairn-state-'), deviceName = 'test-device'): ReturnType<typeof Repository.init> {
  return Repository.init({ store, stateDir, passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: 2 }) });
}

export async function openRepo(store: BlobStore, stateDir = tempDir('cairn-state-'), secret: { passphrase: string } | { recoveryKey: string } = { passphrase: TEST_PASSPHRASE }, deviceName?: string): Promise<Repository> {
  return Repository.open({ store, stateDir, secret, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: 2 }) });
}

export function backupOf(repo: Repository, sources: readonly BackupSource[], extra: Partial<BackupOptions> = {}) {
  return backup({
    vault: repo.vault,
    db: repo.db,
    codec: repo.codec,
    sources,
    device: repo.device,
    reason: 'manual',
    tmpDir: repo.tmpDir,
    copySqlite: async (src, dest) => void (await copySqliteConsistent(src, dest)),
    now: repo.now,
    ...extra,
  });
}

export interface TreeDiff {
  path: string;
  what: string;
}

/** Compares two folders: every file's bytes, permission bits and mtime (ms), symlink targets. */
export function diffTrees(expected: string, actual: string, options: { skip?: (rel: string) => boolean; mtime?: boolean } = {}): TreeDiff[] {
  const out: TreeDiff[] = [];
  const walk = (rel: string) => {
    const a = join(expected, rel);
    const b = join(actual, rel);
    const names = new Set([...readdirSync(a), ...safeReaddir(b)]);
    for (const name of [...names].sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (options.skip?.(r)) continue;
      const sa = safeLstat(join(a, name));
      const sb = safeLstat(join(b, name));
      if (!sa) {
        out.push({ path: r, what: 'unexpected' });
        continue;
      }
      if (!sb) {
        out.push({ path: r, what: 'missing' });
        continue;
      }
      if (sa.isDirectory() !== sb.isDirectory() || sa.isSymbolicLink() !== sb.isSymbolicLink()) {
        out.push({ path: r, what: 'type' });
        continue;
      }
      if (sa.isDirectory()) {
        walk(r);
        continue;
      }
      if (sa.isSymbolicLink()) {
        if (readlinkSync(join(a, name)) !== readlinkSync(join(b, name))) out.push({ path: r, what: 'symlink target' });
        continue;
      }
      if ((sa.mode & 0o777) !== (sb.mode & 0o777)) out.push({ path: r, what: `mode ${(sa.mode & 0o777).toString(8)} != ${(sb.mode & 0o777).toString(8)}` });
      if (options.mtime !== false && Math.floor(sa.mtimeMs) !== Math.floor(sb.mtimeMs)) out.push({ path: r, what: `mtime ${sa.mtimeMs} != ${sb.mtimeMs}` });
      if (sa.size !== sb.size || !readFileSync(join(a, name)).equals(readFileSync(join(b, name)))) out.push({ path: r, what: 'content' });
    }
  };
  walk('');
  return out;
}

function safeReaddir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

function safeLstat(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
