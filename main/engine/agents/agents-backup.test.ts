// The whole pipeline on every agent's fixture, per OS layout: what detection finds is what the
// backup stores, and neither secret files nor credentials planted inside files reach the vault.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupOf, initRepo, removeTempDirs, tempDir } from '../../../testing/repo.ts';
import { restore } from '../restore/index.ts';
import { MemoryBlobStore } from '../storage/index.ts';
import { buildAllFixtures } from './fixtures.ts';
import { ADAPTERS, AGENT_IDS, toBackupSources } from './index.ts';

function allFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

afterAll(() => removeTempDirs());

describe.each(['linux', 'darwin', 'win32'] as const)('backing up every agent (%s layout)', (platform) => {
  it('stores every included file and no secret, not even one planted inside a database or JSON file', async () => {
    const home = tempDir(`cairn-agents-${platform}-`);
    const { fixtures, ctx } = await buildAllFixtures({ home, platform });
    const sources = await toBackupSources(ADAPTERS, ctx, AGENT_IDS);
    expect(sources.length).toBeGreaterThan(0);
    const { repo } = await initRepo(new MemoryBlobStore());
    try {
      const result = await backupOf(repo, sources);
      const target = tempDir('cairn-restore-');
      const snap = await repo.findSnapshot(result.snapshotId as string);
      await restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: snap, target });
      const restored = allFiles(target);
      const restoredBytes = restored.map((p) => readFileSync(p));
      // Map each restored file back to its source path through the snapshot's roots.
      const originals = new Set<string>();
      for (const p of restored) {
        const rel = p.slice(target.length + 1).split(/[\\/]/).join('/');
        const root = snap.roots.find((r) => rel === r.label || rel.startsWith(`${r.label}/`));
        if (!root) continue;
        const inside = rel.slice(root.label.length + 1);
        originals.add(statSync(root.path).isDirectory() ? join(root.path, ...inside.split('/')) : root.path);
      }
      for (const [agent, f] of Object.entries(fixtures)) {
        for (const included of f.included) {
          // A file whose text carries a credential that can't be redacted (YAML) stays local by policy.
          const carriesSecret = f.innerSecrets.some((t) => readFileSync(included).includes(t));
          if (carriesSecret && !originals.has(included)) continue;
          expect(originals, `${agent}: ${included}`).toContain(included);
        }
        for (const secret of f.secrets) expect(originals, `${agent}: secret ${secret}`).not.toContain(secret);
        for (const excluded of f.excluded) expect(originals, `${agent}: excluded ${excluded}`).not.toContain(excluded);
        for (const token of f.innerSecrets) {
          for (const bytes of restoredBytes) expect(bytes.includes(token), `${agent}: planted credential in the vault`).toBe(false);
        }
      }
    } finally {
      await repo.close();
    }
  });
});
