import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../shared/models.ts';
import { NotificationTracker, notificationFor } from './notifications.ts';

const idle: EngineStatus = { state: 'idle', outboxCount: 0, lastSyncAt: '2025-06-01T12:00:00.000Z' };
const syncing: EngineStatus = { ...idle, state: 'syncing' };
const unreachable: EngineStatus = { ...idle, state: 'error', error: { code: 'unreachable', message: 'The endpoint https://s3.example could not be reached.', retryable: true } };
const denied: EngineStatus = { ...idle, state: 'error', error: { code: 'access_denied', message: 'The bucket refused the credentials. Check them in Settings.', retryable: false } };

describe('notificationFor', () => {
  it('says nothing on routine transitions', () => {
    expect(notificationFor(undefined, idle)).toBeUndefined();
    expect(notificationFor(idle, idle)).toBeUndefined();
    expect(notificationFor(idle, { ...idle, state: 'paused' })).toBeUndefined();
    expect(notificationFor(idle, { ...idle, state: 'offline', outboxCount: 2 })).toBeUndefined();
    expect(notificationFor({ ...idle, state: 'offline' }, idle)).toBeUndefined();
  });

  it('notifies a failure with the error message', () => {
    expect(notificationFor(idle, denied)).toEqual({ kind: 'failure', title: 'Cairn can’t back up your agents', body: 'The bucket refused the credentials. Check them in Settings.' });
  });

  it('does not repeat the same failure, but does tell about a different one', () => {
    expect(notificationFor(denied, denied)).toBeUndefined();
    expect(notificationFor(unreachable, denied)?.kind).toBe('failure');
  });

  it('notifies the recovery from a failure', () => {
    expect(notificationFor(denied, idle)?.kind).toBe('recovery');
  });

  it('tells once of damage a daily verification found, not of a healthy or repaired one', () => {
    const verification = { at: '2025-06-02T09:00:00.000Z', part: 7, of: 30, ok: true, packsRead: 12, bytesRead: 1e6, problems: [], problemCount: 0, jobId: 'a' };
    const healthy: EngineStatus = { ...idle, verification };
    const damaged: EngineStatus = { ...idle, verification: { ...verification, ok: false, problems: ['data/77/… is damaged'], problemCount: 1, jobId: 'b' } };
    expect(notificationFor(idle, healthy)).toBeUndefined();
    expect(notificationFor(healthy, damaged)).toEqual({ kind: 'failure', title: 'Cairn found damaged data in your vault', body: 'The daily check of part 7 of 30 of the vault’s data found a problem. Open Cairn: Settings → Vault says what it affects and repairs it.' });
    expect(notificationFor(damaged, damaged)).toBeUndefined();
    expect(notificationFor(undefined, damaged)).toBeUndefined();
    expect(notificationFor(healthy, { ...damaged, verification: { ...(damaged.verification as NonNullable<EngineStatus['verification']>), repairedAt: '2025-06-02T10:00:00.000Z' } })).toBeUndefined();
  });
});

describe('NotificationTracker', () => {
  it('skips the syncing states in between', () => {
    const tracker = new NotificationTracker();
    const sequence = [idle, syncing, idle, syncing, denied, syncing, denied, syncing, denied, syncing, idle, syncing, idle];
    expect(sequence.map((status) => tracker.update(status)?.kind)).toEqual([undefined, undefined, undefined, undefined, 'failure', undefined, undefined, undefined, undefined, undefined, 'recovery', undefined, undefined]);
  });
});

describe('a vault locked by a failure', () => {
  it('is a failure, and unlocking it is a recovery', () => {
    const keychain: EngineStatus = { state: 'locked', outboxCount: 0, error: { code: 'keychain_unavailable', message: 'The system keychain is not available.', retryable: false } };
    expect(notificationFor(undefined, keychain)?.kind).toBe('failure');
    expect(notificationFor(undefined, { state: 'locked', outboxCount: 0 })).toBeUndefined();
    expect(notificationFor(keychain, idle)?.kind).toBe('recovery');
  });
});
