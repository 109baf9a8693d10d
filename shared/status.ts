// The status headline ("Up to date", "Waiting for Cloudflare R2…", "2 conflicts to resolve") as one
// pure function of facts that survive a restart: the engine's state, when this device last
// synced (from its history), open conflicts, the outbox, and whether the provider is throttling.
// The pill on the Overview and in the sidebar says only what these facts support: never "Up to
// date" for a device that has never synced or while conflicts wait for a decision.

import type { EngineStatus, ProviderKind } from './models.ts';

export type StatusTone = 'neutral' | 'success' | 'accent' | 'warning' | 'danger';

export type StatusKind = 'unconfigured' | 'locked' | 'waiting' | 'syncing' | 'error' | 'offline' | 'paused' | 'conflicts' | 'damaged' | 'outbox' | 'never-synced' | 'up-to-date';

export interface StatusHeadline {
  kind: StatusKind;
  text: string;
  tone: StatusTone;
}

export type StatusFacts = Pick<EngineStatus, 'state' | 'lastSyncAt' | 'outboxCount' | 'openConflicts' | 'waitingForProvider' | 'provider' | 'damaged' | 'verification' | 'currentJob'>;

const PROVIDERS: Record<ProviderKind, string> = { r2: 'Cloudflare R2', s3: 'Amazon S3', b2: 'Backblaze B2', other: 'the storage provider', local: 'the folder' };

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What the service knows that decides the engine's one state (see engineState). */
export interface StateFacts {
  configured: boolean;
  /** The vault is open (unlocked, or opened offline from the cached header). */
  open: boolean;
  /** A job (sync, restore, check, prune) is running. */
  running: boolean;
  paused: boolean;
  /** The code of the last error, if the last attempt failed. */
  errorCode?: string | undefined;
}

/**
 * The engine's state, in order: not set up; not open (offline when the vault couldn't be reached,
 * else locked); a job running; paused; the last error (offline when the vault was unreachable);
 * idle. describeStatus turns it, with the other facts, into the headline.
 */
export function engineState(f: StateFacts): EngineStatus['state'] {
  if (!f.configured) return 'unconfigured';
  if (!f.open) return f.errorCode === 'unreachable' ? 'offline' : 'locked';
  if (f.running) return 'syncing';
  if (f.paused) return 'paused';
  if (f.errorCode === 'unreachable') return 'offline';
  if (f.errorCode !== undefined) return 'error';
  return 'idle';
}

export function describeStatus(facts: StatusFacts): StatusHeadline {
  const { state } = facts;
  if (state === 'unconfigured') return { kind: 'unconfigured', text: 'Not set up', tone: 'neutral' };
  if (state === 'locked') return { kind: 'locked', text: 'Locked', tone: 'warning' };
  // Throttling is waited out, not failed: it reads as work in progress.
  if (facts.waitingForProvider && (state === 'syncing' || state === 'idle')) return { kind: 'waiting', text: `Waiting for ${facts.provider ? PROVIDERS[facts.provider] : 'the storage provider'}…`, tone: 'accent' };
  if (state === 'syncing') return { kind: 'syncing', text: facts.currentJob?.kind === 'check' ? 'Checking the vault' : 'Syncing', tone: 'accent' };
  if (state === 'error') return { kind: 'error', text: 'Needs attention', tone: 'danger' };
  if (state === 'offline') return { kind: 'offline', text: 'Offline', tone: 'warning' };
  if (state === 'paused') return { kind: 'paused', text: 'Paused', tone: 'warning' };
  const conflicts = facts.openConflicts ?? 0;
  if (conflicts > 0) return { kind: 'conflicts', text: `${plural(conflicts, 'conflict', 'conflicts')} to resolve`, tone: 'warning' };
  // Data the daily verification found damaged, until repaired: restores of it would leave files out.
  if (facts.verification && !facts.verification.ok && !facts.verification.repairedAt) return { kind: 'damaged', text: 'Damaged data in the vault', tone: 'danger' };
  const damaged = facts.damaged?.length ?? 0;
  if (damaged > 0) return { kind: 'damaged', text: `${plural(damaged, 'damaged record', 'damaged records')} in the vault`, tone: 'warning' };
  if (facts.outboxCount > 0) return { kind: 'outbox', text: `${plural(facts.outboxCount, 'snapshot', 'snapshots')} waiting to upload`, tone: 'warning' };
  if (!facts.lastSyncAt) return { kind: 'never-synced', text: 'Not backed up yet', tone: 'neutral' };
  return { kind: 'up-to-date', text: 'Up to date', tone: 'success' };
}
