// The application service: the engine, the user's configuration, secrets from the keychain and
// a queue of jobs, behind one handler per IPC channel. Plain Node, so the Electron app and the
// e2e host run exactly this code. The handlers live by domain in *-handlers.ts, over the one
// state object of service-context.ts; this file only assembles them.

import { homedir } from 'node:os';
import { CairnError } from '../../shared/errors.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import { agentFolderHandlers } from './agent-folder-handlers.ts';
import { conflictHandlers } from './conflict-handlers.ts';
import { deviceHandlers } from './device-handlers.ts';
import { recoveryRotationHandlers } from './recovery-rotation-handlers.ts';
import { createServiceContext } from './service-context.ts';
import { sessionHandlers } from './session-handlers.ts';
import { settingsHandlers } from './settings-handlers.ts';
import { setupHandlers, VaultAccess } from './setup-handlers.ts';
import { snapshotHandlers } from './snapshot-handlers.ts';
import { snapshotSessionHandlers } from './snapshot-session-handlers.ts';
import { startSync, syncHandlers } from './sync-handlers.ts';
import type { CairnService, CairnServiceOptions } from './types.ts';
import { vaultHandlers } from './vault-handlers.ts';
import { startVerification, verificationDue } from './verify-data.ts';
import { wizard } from './wizard-handlers.ts';

export { SERVICE_STORE_OPTIONS } from './setup-handlers.ts';

export async function createCairnService(options: CairnServiceOptions): Promise<CairnService> {
  const ctx = createServiceContext(options);
  const { state } = ctx;
  const access = new VaultAccess(ctx);
  await access.openConfigured();

  const setupWizard = wizard({
    config: ctx.config,
    secrets: options.secrets,
    storeFor: (location, credentials) => access.storeFor(location, credentials, false),
    describeDevice: async (id) => (state.repo ? (await handlers['devices.list']({})).find((d) => d.id === id) : undefined),
    storedCredentials: (location) => access.storedCredentials(location),
  });

  const handlers: Handlers = {
    ...syncHandlers(ctx),
    ...deviceHandlers(ctx),
    ...snapshotHandlers(ctx),
    ...conflictHandlers(ctx),
    ...vaultHandlers(ctx),
    ...recoveryRotationHandlers({ requireRepo: ctx.requireRepo, secrets: options.secrets, location: () => ctx.config.get().location }),
    ...settingsHandlers(ctx),
    ...setupHandlers(ctx, access, setupWizard),
    ...setupWizard.handlers,
    ...agentFolderHandlers({ stateDir: options.stateDir, home: options.home ?? homedir() }),
    ...sessionHandlers({ requireRepo: ctx.requireRepo, agentContext: ctx.agentContext, pathMappings: () => ctx.settings().pathMappings, onDamaged: ctx.onDamaged }),
    ...snapshotSessionHandlers({ requireRepo: ctx.requireRepo, findSnapshot: ctx.findSnapshot }),
  };

  return {
    handlers,
    on(event, listener) {
      ctx.events.on(event, listener as (payload: unknown) => void);
      return () => ctx.events.off(event, listener as (payload: unknown) => void);
    },
    async syncNow(reason) {
      if (!state.repo && state.lastError?.code === 'unreachable') {
        // The vault was unreachable when the app started and could not be opened: try again.
        await access.openConfigured();
        ctx.changed();
        if (!state.repo && state.lastError?.code === 'unreachable') throw new CairnError('unreachable', state.lastError.message, { retryable: true });
      }
      if (!state.repo) return;
      if (reason !== 'manual' && ctx.paused()) return;
      const { done } = await startSync(ctx, reason);
      const finished = await done;
      if (finished.status === 'failed' && finished.error) throw new CairnError(finished.error.code, finished.error.message, { retryable: finished.error.retryable });
      // Once a day, after a scheduled sync that reached the vault: read and verify a part of its data.
      const repo = state.repo;
      if (reason === 'scheduled' && finished.status === 'done' && repo && !repo.openedOffline && !state.lastError && verificationDue(ctx, repo)) startVerification(ctx, repo);
    },
    reportNextRun(at) {
      state.nextSyncAt = at;
      ctx.changed();
    },
    async close() {
      ctx.jobs.cancelAll();
      await ctx.jobs.idle();
      await state.repo?.close();
      state.repo = undefined;
    },
  };
}
