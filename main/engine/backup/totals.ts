// What a backup has to go through, counted ahead of it: the files its rules include and their
// bytes. It runs beside the backup's own walk (which reads, chunks and uploads as it goes), so a
// progress bar gets a total within moments, without waiting for the slow part. Only stats: no
// file is opened. A folder that can't be listed counts as empty here; the walk reports it.

import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CheckedRoot } from './roots.ts';
import type { CompiledRules } from './rules.ts';

export interface BackupTotals {
  files: number;
  bytes: number;
}

/** Yield to the event loop this often, so counting a huge folder never stalls the app. */
const YIELD_EVERY = 500;

export async function countBackupTotals(roots: readonly { root: CheckedRoot; rules: CompiledRules }[], signal?: AbortSignal): Promise<BackupTotals> {
  const totals: BackupTotals = { files: 0, bytes: 0 };
  let sinceYield = 0;
  const size = (path: string): number | undefined => {
    try {
      const st = lstatSync(path);
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  };
  const addFile = (path: string) => {
    const bytes = size(path);
    if (bytes === undefined) return;
    totals.files += 1;
    totals.bytes += bytes;
  };
  const walk = async (root: CheckedRoot, rules: CompiledRules, rel: string, abs: string, depth: number): Promise<void> => {
    if (signal?.aborted) return;
    let listed;
    try {
      listed = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    // A listing counts as a file here: thousands of folders holding little must yield too.
    if (++sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const d of listed) {
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const childAbs = join(abs, d.name);
      if (d.isDirectory()) {
        if (root.maxDepth !== undefined && depth >= root.maxDepth) continue;
        if (rules.skipDir(childRel)) continue;
        await walk(root, rules, childRel, childAbs, depth + 1);
      } else if (d.isFile() && rules.classify(childRel) === 'included') {
        addFile(childAbs);
        sinceYield += 1;
        if (sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
  };
  for (const { root, rules } of roots) {
    if (root.isDirectory) await walk(root, rules, '', root.path, 0);
    else if (rules.classify(basename(root.path)) === 'included') addFile(root.path);
  }
  return totals;
}
