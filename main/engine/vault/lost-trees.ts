// `repair/lost` (FORMAT.md): the folder listings repairs found lost with their packs. Read by
// prune (which passes them by) and check (which no longer offers to repair them), written by
// repair.

import { NotFoundError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import { keys, kinds } from './format.ts';
import type { Vault } from './vault.ts';

export interface LostTrees {
  version: 1;
  trees: string[];
}

/** The trees repairs recorded as lost (none when no repair ever dropped one). */
export async function loadLostTrees(vault: Vault): Promise<Set<BlobId>> {
  try {
    const record = (await vault.getSealedJson(keys.repairLost, kinds.repairLost, 'lost')) as LostTrees;
    return new Set(record.trees as BlobId[]);
  } catch (error) {
    if (error instanceof NotFoundError || (error as { code?: string }).code === 'not_found') return new Set();
    throw error;
  }
}
