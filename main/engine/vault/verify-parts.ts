// The vault's packs read in turn, a part at a time: `check --read-data-subset next` and the app's
// daily verification share the rotation (in this device's state database), so run once a day by
// either they read the whole vault each month and no day more than a thirtieth of it.

import type { StateDb } from '../state/index.ts';

/** The whole vault is read once every this many verifications. */
export const VERIFY_PARTS = 30;
const NEXT_PART = 'verify.next-part';

/** The part the next verification reads (1 to VERIFY_PARTS). */
export function nextVerifyPart(db: StateDb): number {
  return Math.min(Math.max(Number(db.getMeta(NEXT_PART) ?? '1') || 1, 1), VERIFY_PARTS);
}

/** Part `part` was read through: the next verification reads the one after it. */
export function verifiedPart(db: StateDb, part: number): void {
  db.setMeta(NEXT_PART, String((part % VERIFY_PARTS) + 1));
}
