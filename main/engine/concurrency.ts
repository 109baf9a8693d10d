// Two small promise helpers the whole engine (and the CLI) uses: bounded parallel map, and an
// all-settled await that still fails. A leaf: it imports nothing of Cairn's.

/**
 * Awaits every promise, then throws the first rejection (if any). Unlike Promise.all, nothing is
 * still running when the caller moves on (closes the state DB, the store, …) after an error.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Runs `fn` over `items` with at most `limit` in flight; keeps the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How long this thread runs before the event loop gets a turn (see turn()). */
export const SLICE_MS = 10;
let sliceStart = performance.now();
let nextTurn: Promise<void> | undefined;

/**
 * A turn for the event loop, once this thread has been busy SLICE_MS since the last one: a
 * promise to await, or undefined when there's time left. Long runs of already-settled work (the
 * walk over unchanged files, the catalog over unchanged sessions) are all microtasks, which run
 * to the end before the loop does anything else: in the Electron main process that held IPC and
 * the tray for 400 ms a backup. Each step starts with `for (let t = turn(); t; t = turn()) await t;`
 * written inline: the check must run in the same continuation as the step's work. A helper that
 * is awaited first (`await takeTurns()`) defers every step of a folder past its check, and they
 * all then run in one burst (measured: the steady backup's loop p99 back from 42 to ~100 ms).
 */
export function turn(): Promise<void> | undefined {
  if (performance.now() - sliceStart < SLICE_MS) return undefined;
  nextTurn ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      nextTurn = undefined;
      sliceStart = performance.now();
      resolve();
    }),
  );
  return nextTurn;
}
