// Desktop notifications on failure and on recovery only, never on routine success: a tray app the
// user forgets about should speak up exactly when something went wrong and when it's fixed.

import type { EngineStatus } from '../../shared/models.ts';

export interface AppNotification {
  kind: 'failure' | 'recovery';
  title: string;
  body: string;
}

/**
 * What to tell the user when the status goes from `prev` to `next`, if anything. `prev` is the
 * last *settled* status (see NotificationTracker): a sync in between doesn't count, so that
 * error → syncing → idle is a recovery and error → syncing → same error is not news.
 */
export function notificationFor(prev: EngineStatus | undefined, next: EngineStatus): AppNotification | undefined {
  if (isFailing(next)) {
    const sameError = prev !== undefined && isFailing(prev) && prev.error?.code === next.error?.code;
    if (sameError) return undefined;
    return { kind: 'failure', title: 'Cairn can’t back up your agents', body: next.error?.message ?? 'The last sync failed. Open Cairn for details.' };
  }
  if (prev !== undefined && isFailing(prev) && next.state === 'idle') {
    return { kind: 'recovery', title: 'Cairn is backing up again', body: 'The problem is gone and your agents’ files are safe again.' };
  }
  // A new finding of the daily verification (one already known when the app started is on the Overview).
  const found = next.verification;
  if (prev !== undefined && found && !found.ok && !found.repairedAt && prev.verification?.jobId !== found.jobId) {
    return { kind: 'failure', title: 'Cairn found damaged data in your vault', body: `The daily check of part ${found.part} of ${found.of} of the vault’s data found ${found.problemCount === 1 ? 'a problem' : `${found.problemCount} problems`}. Open Cairn: Settings → Vault says what it affects and repairs it.` };
  }
  return undefined;
}

/** An error, or a vault that could not be unlocked because something failed (e.g. the keychain). */
function isFailing(status: EngineStatus): boolean {
  return status.state === 'error' || (status.state === 'locked' && status.error !== undefined);
}

/** Remembers the last settled status so that transient `syncing` states are skipped. */
export class NotificationTracker {
  private settled: EngineStatus | undefined;

  update(next: EngineStatus): AppNotification | undefined {
    if (next.state === 'syncing') return undefined;
    const notification = notificationFor(this.settled, next);
    this.settled = next;
    return notification;
  }
}
