// Between the service and the shell. The app learns of service changes from the service's
// events (CairnService.on: 'settings.changed', 'vault.opened'); this holds what sits between.

/**
 * Calls `report` with the latest value at most once per `intervalMs` (leading and trailing), so
 * that a burst of file changes moving the next run doesn't become a burst of status events.
 */
export function throttleLatest<T>(report: (value: T) => void, intervalMs: number, timers: { setTimeout(callback: () => void, ms: number): unknown; now(): number }): (value: T) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | undefined;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === undefined) return;
    const { value } = pending;
    pending = undefined;
    lastAt = timers.now();
    report(value);
  };
  return (value: T) => {
    pending = { value };
    if (scheduled) return;
    const wait = lastAt + intervalMs - timers.now();
    if (wait <= 0) flush();
    else {
      scheduled = true;
      timers.setTimeout(flush, wait);
    }
  };
}
