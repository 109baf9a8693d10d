// Where the vault is and how it is opened: testing a location, creating or joining a vault,
// unlocking it, and opening the configured one at start (from the keychain).

import { availableParallelism } from 'node:os';
import { CairnError, ConfigError, toErrorRecord } from '../../shared/errors.ts';
import type { Handlers, SetupResult } from '../../shared/ipc/contract.ts';
import type { VaultLocation } from '../../shared/models.ts';
import { behindOutbox, type OutboxBlobStore } from '../engine/outbox/index.ts';
import { expandHomePath } from '../engine/paths.ts';
import { Repository } from '../engine/repository.ts';
import { createBlobStore, formatLocation, probeStore } from '../engine/storage/index.ts';
import type { BlobStore, CreateBlobStoreOptions, RetryEvent } from '../engine/storage/index.ts';
import type { UnlockSecret } from '../engine/vault/index.ts';
import { createWorkerCodec } from '../engine/workers/index.ts';
import { decodeCredentials, decodeUnlock, encodeCredentials, encodeUnlock, secretAccounts } from '../keychain/index.ts';
import { vaultKey } from './config-store.ts';
import { readKeyFile } from './key-file.ts';
import type { ServiceContext } from './service-context.ts';
import type { Wizard } from './wizard-handlers.ts';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

type SetupChannels = 'setup.testConnection' | 'setup.createVault' | 'setup.joinVault' | 'setup.unlock';

const threads = () => Math.max(1, availableParallelism() - 1);

/**
 * How the app talks to the vault: few, short retries, so that an outage is noticed quickly and
 * the backup goes to the outbox instead of waiting. An endpoint that refuses connections is
 * taken for down in about 0.3 s (RetryingBlobStore's defaults: about 2 s), one that never
 * completes a connection after 3 × 5 s, one that accepts and never answers after 3 × 15 s of
 * silence. 5xx errors get the same 3 attempts; a sync they fail is retried by the scheduler
 * (they never go to the outbox). Throttling is waited out as long as it lasts, honouring the
 * provider's Retry-After (RetryingBlobStore#waiting: "waiting for the provider"). Measured in
 * docs/SYNC.md.
 */
export const SERVICE_STORE_OPTIONS = {
  retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, throttleBudgetMs: Number.POSITIVE_INFINITY },
  s3: { connectionTimeoutMs: 5_000, socketTimeoutMs: 15_000 },
} as const satisfies CreateBlobStoreOptions;

const isUnreachable = (error: unknown): error is CairnError => error instanceof CairnError && error.code === 'unreachable';

/** Opening and remembering vaults, over the service's state. */
export class VaultAccess {
  private readonly ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.ctx = ctx;
  }

  /** A local vault folder typed as `~/…` is in this user's home (the renderer sends it as typed). */
  expandLocation(location: VaultLocation): VaultLocation {
    return location.provider === 'local' && location.path ? { ...location, path: expandHomePath(location.path, this.ctx.options.home) } : location;
  }

  storeFor(location: VaultLocation, credentials?: Credentials, retry = true): BlobStore {
    if (location.provider === 'local' && !location.path) throw new ConfigError('Choose a folder for the vault.');
    if (location.provider !== 'local' && !location.bucket) throw new ConfigError('Enter the bucket to keep the vault in.');
    // Throttling is waited out without end (SERVICE_STORE_OPTIONS): each wait is shown in the
    // status ("Waiting for …"), and the status is looked at again when the wait is over.
    const onRetry = (e: RetryEvent) => {
      if (!e.throttled) return;
      this.ctx.changed();
      setTimeout(this.ctx.changed, e.delayMs + 50).unref?.();
    };
    const decorate = this.ctx.options.decorateStore;
    return createBlobStore(location, { ...SERVICE_STORE_OPTIONS, retry: retry ? { ...SERVICE_STORE_OPTIONS.retry, onRetry } : false, ...(credentials ? { credentials } : {}), ...(decorate ? { decorate } : {}) });
  }

  /** The vault's store behind its outbox, which lives in Cairn's folder (one per vault location). */
  vaultStoreFor(location: VaultLocation, credentials?: Credentials): OutboxBlobStore {
    const remote = this.storeFor(location, credentials);
    return behindOutbox(remote, this.ctx.options.stateDir, { now: this.ctx.now });
  }

  async init(location: VaultLocation, credentials: Credentials | undefined, passphrase: string, deviceName?: string) {
    const store = this.vaultStoreFor(location, credentials);
    return Repository.init({ store, stateDir: this.ctx.options.stateDir, passphrase, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: threads() }), now: this.ctx.now }).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  }

  async openWith(location: VaultLocation, credentials: Credentials | undefined, secret: UnlockSecret, deviceName?: string): Promise<Repository> {
    const store = this.vaultStoreFor(location, credentials);
    try {
      return await Repository.open({ store, stateDir: this.ctx.options.stateDir, secret, deviceName, makeCodec: (v) => createWorkerCodec(v, { threads: threads() }), now: this.ctx.now });
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async remember(location: VaultLocation, credentials: Credentials | undefined, secret: UnlockSecret, opened: Repository): Promise<SetupResult> {
    const { state, options, config } = this.ctx;
    const key = vaultKey(location);
    if (credentials) await options.secrets.set(secretAccounts.credentials(key), encodeCredentials(credentials));
    await options.secrets.set(secretAccounts.unlock(key), encodeUnlock(secret));
    if (state.repo && state.repo !== opened) await state.repo.close();
    state.repo = opened;
    state.snapshotCache.clear();
    state.lastError = undefined;
    config.update({ location, vaultId: opened.vault.id });
    this.ctx.changed();
    const result = { fingerprint: opened.vault.fingerprint, deviceId: opened.device.id, deviceName: opened.device.name };
    this.ctx.emit('vault.opened', result);
    return result;
  }

  async storedCredentials(location: VaultLocation): Promise<Credentials | undefined> {
    if (location.provider === 'local') return undefined;
    const raw = await this.ctx.options.secrets.get(secretAccounts.credentials(vaultKey(location)));
    return raw ? decodeCredentials(raw) : undefined;
  }

  /**
   * Opens the configured vault, if the keychain has what it takes. While the vault can't be
   * reached it opens from the header cached at the last open, and backups go to the outbox.
   */
  async openConfigured(): Promise<void> {
    const { state, config, options } = this.ctx;
    const location = config.get().location;
    if (!location || state.repo) return;
    try {
      // The keychain, else the key file the CLI keeps where there was no keychain when it made the
      // vault (its default one: a random secret nobody typed). Before, the app found nothing and
      // asked for a passphrase no one knew.
      const raw = (await options.secrets.get(secretAccounts.unlock(vaultKey(location)))) ?? (readKeyFile(options.stateDir, location) || undefined);
      if (!raw) return;
      state.repo = await this.openWith(location, await this.storedCredentials(location), decodeUnlock(raw));
      state.lastError = state.repo.openedOffline
        ? {
            code: 'unreachable',
            message: `The vault at ${formatLocation(location)} can't be reached. Backups wait on this device and upload when it is back.`,
            retryable: true,
          }
        : undefined;
    } catch (error) {
      state.lastError = isUnreachable(error)
        ? {
            code: 'unreachable',
            message: `The vault at ${formatLocation(location)} can't be reached, and this device has not opened it before, so it can't back up offline yet. Cairn opens it when the connection is back. (${error.message})`,
            retryable: true,
          }
        : toErrorRecord(error);
    }
  }
}

export function setupHandlers(ctx: ServiceContext, access: VaultAccess, setupWizard: Wizard): Pick<Handlers, SetupChannels> {
  return {
    'setup.testConnection': async ({ location: typed, credentials }) => {
      const store = access.storeFor(access.expandLocation(typed as VaultLocation), credentials, false);
      try {
        return await probeStore(store);
      } finally {
        await store.close();
      }
    },
    'setup.createVault': async ({ location: typed, credentials, passphrase, deviceName, wizard: fromWizard }) => {
      const location = access.expandLocation(typed as VaultLocation);
      const { repo: created, recoveryKey } = await access.init(location, credentials, passphrase, deviceName);
      const result = await access.remember(location, credentials, { passphrase }, created);
      if (fromWizard) await setupWizard.started('create', location, result, recoveryKey);
      return { ...result, recoveryKey };
    },
    'setup.joinVault': async ({ location: typed, credentials, secret, deviceName, wizard: fromWizard }) => {
      const location = access.expandLocation(typed as VaultLocation);
      const opened = await access.openWith(location, credentials, secret as UnlockSecret, deviceName);
      const result = await access.remember(location, credentials, secret as UnlockSecret, opened);
      if (fromWizard) await setupWizard.started('join', location, result);
      return result;
    },
    'setup.unlock': async ({ secret }) => {
      const location = ctx.config.get().location;
      if (!location) throw new ConfigError('Cairn is not set up yet. Choose where to keep the vault first.');
      const credentials = await access.storedCredentials(location);
      const opened = await access.openWith(location, credentials, secret as UnlockSecret);
      return access.remember(location, credentials, secret as UnlockSecret, opened);
    },
  };
}
