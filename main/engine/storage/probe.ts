// "Test connection" for the setup wizard and `cairn init`: checks that the credentials may list,
// write, read back and delete at the location, each step reported on its own so the user sees
// which permission is missing, and says whether a vault is already there.

import { randomBytes } from 'node:crypto';
import { IntegrityError, toErrorRecord } from '../../../shared/errors.ts';
import type { ProbeResult, ProbeStep } from '../../../shared/models.ts';
import type { BlobStore } from './blob-store.ts';

/** The key of a vault's header; its presence means a vault exists at the location. */
export const VAULT_HEADER_KEY = 'vault.json';

export interface ProbeOptions {
  /** Bytes for the probe object. Default: 32 random bytes. */
  payload?: Uint8Array;
  /** Key of the probe object. Default: `cairn-probe-<16 hex>`, outside every vault folder. */
  key?: string;
}

/**
 * Runs list, write, read (compared with what was written) and delete. List and write are always
 * tried (a key may be allowed one but not the other); read and delete only after a successful
 * write, so `steps` holds only the steps that ran. Never throws for storage failures.
 */
export async function probeStore(store: BlobStore, options: ProbeOptions = {}): Promise<ProbeResult> {
  const payload = options.payload ?? new Uint8Array(randomBytes(32));
  const key = options.key ?? `cairn-probe-${randomBytes(8).toString('hex')}`;
  const steps: ProbeStep[] = [];
  let vaultExists = false;

  await step(steps, 'list', async () => {
    // One object is enough to prove listing works; a vault can hold millions.
    for await (const _ of store.list('')) break;
    vaultExists = (await store.stat(VAULT_HEADER_KEY)) !== undefined;
  });
  const written = await step(steps, 'write', () => store.put(key, payload));
  if (written) {
    await step(steps, 'read', async () => {
      const read = await store.get(key);
      if (!sameBytes(read, payload)) {
        throw new IntegrityError(`The probe object read back from ${store.location} differs from what was written (${read.length} bytes instead of ${payload.length}).`);
      }
    });
    await step(steps, 'delete', () => store.delete(key));
  }
  const versioning = await keptVersions(store);
  return { ok: steps.every((s) => s.ok), steps, vaultExists, ...(versioning ? { versioning } : {}) };
}

/**
 * Whether the bucket keeps deleted and overwritten objects as old versions (GetBucketVersioning:
 * enabled or suspended; B2's S3 API always says enabled, its hide-on-delete). Undefined when it
 * doesn't, or the store can't tell (a folder, a provider that refuses the question).
 */
export async function keptVersions(store: BlobStore): Promise<'enabled' | 'suspended' | undefined> {
  const versioning = await store.versioning?.().catch(() => undefined);
  return versioning === 'enabled' || versioning === 'suspended' ? versioning : undefined;
}

/** What to tell the user about a bucket that keeps old versions (set-up, init, prune). */
export function versionedBucketAdvice(versioning: 'enabled' | 'suspended'): string {
  return (
    `The bucket keeps old versions of deleted objects (versioning ${versioning}), so pruning frees no space there. ` +
    'Add a lifecycle rule that keeps only the current version: on AWS and R2, expire noncurrent versions after 1 day; ' +
    'on Backblaze B2, set the bucket\'s lifecycle to "Keep only the last version of the file" (docs/PROVIDERS.md).'
  );
}

async function step(steps: ProbeStep[], name: ProbeStep['step'], run: () => Promise<void>): Promise<boolean> {
  try {
    await run();
    steps.push({ step: name, ok: true });
    return true;
  } catch (error) {
    steps.push({ step: name, ok: false, error: toErrorRecord(error) });
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
