import { describe, expect, it } from 'vitest';
import type { EngineStatus } from './models.ts';
import { describeStatus, engineState, type StateFacts, type StatusFacts, type StatusKind } from './status.ts';

const synced = '2026-12-04T10:00:00.000Z';
const verification = { at: synced, part: 3, of: 30, ok: false, packsRead: 4, bytesRead: 1e6, problems: ['data/77/… is damaged'], problemCount: 1, jobId: 'j' };
const checkJob = { id: 'c', kind: 'check' as const, status: 'running' as const, startedAt: synced, progress: { phase: 'verifying packs', filesDone: 0, bytesDone: 0, uploadedBytes: 0 } };

// One row per rule, in the order they win: [what, facts, kind, text].
const table: [string, StatusFacts, StatusKind, string][] = [
  ['not set up', { state: 'unconfigured', outboxCount: 0 }, 'unconfigured', 'Not set up'],
  ['locked', { state: 'locked', outboxCount: 0, lastSyncAt: synced }, 'locked', 'Locked'],
  ['throttled while syncing', { state: 'syncing', outboxCount: 0, waitingForProvider: true, provider: 'r2' }, 'waiting', 'Waiting for Cloudflare R2…'],
  ['throttled, provider unknown', { state: 'syncing', outboxCount: 0, waitingForProvider: true }, 'waiting', 'Waiting for the storage provider…'],
  ['throttled is never a failure even with conflicts open', { state: 'syncing', outboxCount: 0, waitingForProvider: true, provider: 'b2', openConflicts: 2 }, 'waiting', 'Waiting for Backblaze B2…'],
  ['syncing', { state: 'syncing', outboxCount: 0 }, 'syncing', 'Syncing'],
  ['checking the vault (a check or the daily verification)', { state: 'syncing', outboxCount: 0, currentJob: checkJob }, 'syncing', 'Checking the vault'],
  ['failed', { state: 'error', outboxCount: 0, lastSyncAt: synced }, 'error', 'Needs attention'],
  ['offline', { state: 'offline', outboxCount: 3, lastSyncAt: synced }, 'offline', 'Offline'],
  ['paused', { state: 'paused', outboxCount: 0, lastSyncAt: synced }, 'paused', 'Paused'],
  ['idle with conflicts open is not up to date', { state: 'idle', outboxCount: 0, lastSyncAt: synced, openConflicts: 2 }, 'conflicts', '2 conflicts to resolve'],
  ['one conflict', { state: 'idle', outboxCount: 0, lastSyncAt: synced, openConflicts: 1 }, 'conflicts', '1 conflict to resolve'],
  ['idle, the daily verification found damage', { state: 'idle', outboxCount: 0, lastSyncAt: synced, verification, damaged: [{ key: 'snapshots/d/s', message: 'bad MAC' }] }, 'damaged', 'Damaged data in the vault'],
  ['idle, that damage repaired', { state: 'idle', outboxCount: 0, lastSyncAt: synced, verification: { ...verification, repairedAt: synced } }, 'up-to-date', 'Up to date'],
  ['idle with a damaged record in the vault', { state: 'idle', outboxCount: 0, lastSyncAt: synced, damaged: [{ key: 'snapshots/d/s', message: 'bad MAC' }] }, 'damaged', '1 damaged record in the vault'],
  ['idle with snapshots in the outbox', { state: 'idle', outboxCount: 1, lastSyncAt: synced }, 'outbox', '1 snapshot waiting to upload'],
  ['idle, never synced, is not up to date', { state: 'idle', outboxCount: 0 }, 'never-synced', 'Not backed up yet'],
  ['idle, synced, nothing open', { state: 'idle', outboxCount: 0, lastSyncAt: synced, openConflicts: 0 }, 'up-to-date', 'Up to date'],
];

describe('describeStatus', () => {
  it.each(table)('%s', (_what, facts, kind, text) => {
    expect(describeStatus(facts)).toMatchObject({ kind, text });
  });

  it('says "Up to date" only for an idle device that has synced, with no conflict and an empty outbox', () => {
    for (const [, facts] of table) {
      const upToDate = describeStatus(facts).kind === 'up-to-date';
      expect(upToDate).toBe(facts.state === 'idle' && !!facts.lastSyncAt && !facts.openConflicts && facts.outboxCount === 0 && !facts.waitingForProvider && !facts.damaged?.length);
    }
  });
});

const open: StateFacts = { configured: true, open: true, running: false, paused: false };

// One row per rule of engineState, in the order they win.
const states: [string, Partial<StateFacts>, EngineStatus['state']][] = [
  ['not set up, whatever else is true', { configured: false, open: true, running: true, paused: true, errorCode: 'unreachable' }, 'unconfigured'],
  ['set up, not open', { open: false }, 'locked'],
  ['set up, not open, another error', { open: false, errorCode: 'wrong_key' }, 'locked'],
  ['not open because the vault was unreachable', { open: false, errorCode: 'unreachable' }, 'offline'],
  ['a job running wins over pause and errors', { running: true, paused: true, errorCode: 'storage' }, 'syncing'],
  ['paused wins over the last error', { paused: true, errorCode: 'unreachable' }, 'paused'],
  ['open, last attempt unreachable', { errorCode: 'unreachable' }, 'offline'],
  ['open, last attempt failed', { errorCode: 'disk_full' }, 'error'],
  ['open, nothing wrong', {}, 'idle'],
];

describe('engineState', () => {
  it.each(states)('%s', (_what, facts, expected) => {
    expect(engineState({ ...open, ...facts })).toBe(expected);
  });
});
