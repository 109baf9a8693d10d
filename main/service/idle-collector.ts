// The app's process after a job: V8 keeps the heap it grew to for the job's work. A scheduled
// sync holds its walk and file cache until it ends (~14 MiB promoted to the old generation per
// sync at 8,500 files), and V8 collects the old generation only when it has grown, so the app's
// RSS climbed from ~190 MiB after its first sync to 280–320 MiB after twenty, and stayed there
// (bench/app-syncs.ts, docs/BENCHMARKS.md). Issue 15 wants it no higher after a hundred syncs than
// after one, and the process at rest under 150 MB. So the collector asks V8 for two collections
// once the job queue is idle, both posted as tasks (`execution: 'async'`):
//
// - 2 s after the work, a regular major collection: the old generation's garbage. RSS after
//   twenty syncs ~200 MiB instead of 280–320.
// - After a minute with no work, a last-resort one (`flavor: 'last-resort'`): it also gives back
//   the young generation's pages, which a sync grows to its 2 × 16 MiB and a regular collection
//   keeps (at rest: 32 MiB committed, 2 MiB used). On a 2,700-file home, RSS at rest 166–174 →
//   122–129 MiB over 100 syncs. It blocks the thread ~70–110 ms once, and the next sync starts
//   with a small heap (17 scavenges instead of 4: +45–50 ms of wall, ~+80 ms of CPU, its event-loop
//   p99 ~+5 ms): worth it once the app is at rest, not between the syncs of a busy hour, which
//   come every 30 s of agent quiet.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type Collect = (options: { type: 'major'; execution: 'async'; flavor?: 'last-resort' }) => void;

export const COLLECT_AFTER_MS = 2000;
export const REST_AFTER_MS = 60_000;

/**
 * V8's collector: the process's own when it runs with --expose-gc, else exposed now (a context
 * made after the flag is set has `gc`). Undefined where neither works.
 */
export function v8Collector(): Collect | undefined {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as Collect;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collect) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Collects once no work has started for `delayMs` after the last work ended, and again, giving
 * back all it can, once none has for `restMs`.
 */
export class IdleCollector {
  private timers: NodeJS.Timeout[] = [];
  private readonly collect: Collect | undefined;
  private readonly delayMs: number;
  private readonly restMs: number;

  constructor(collect: Collect | undefined, delayMs = COLLECT_AFTER_MS, restMs = REST_AFTER_MS) {
    this.collect = collect;
    this.delayMs = delayMs;
    this.restMs = restMs;
  }

  /** Work started: nothing is collected in the middle of it. */
  busy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** The last work ended. */
  idle(): void {
    this.busy();
    const collect = this.collect;
    if (!collect) return;
    this.after(this.delayMs, () => collect({ type: 'major', execution: 'async' }));
    this.after(this.restMs, () => collect({ type: 'major', execution: 'async', flavor: 'last-resort' }));
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      run();
    }, ms);
    // Never what keeps the process alive.
    timer.unref();
    this.timers.push(timer);
  }
}
