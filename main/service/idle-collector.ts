// The app's process after a job: V8 keeps the heap it grew to for the job's work. A scheduled
// sync holds its walk and file cache until it ends (~14 MiB promoted to the old generation per
// sync at 8,500 files), and V8 collects the old generation only when it has grown, so the app's
// RSS climbed from ~190 MiB after its first sync to 280–320 MiB after twenty, and stayed there
// (bench/app-syncs.ts, docs/BENCHMARKS.md). Issue 15 wants it no higher after a hundred syncs than
// after one. So once the job queue has been idle for a moment, the collector asks V8 for a major
// collection, incrementally (`execution: 'async'`): RSS after twenty syncs 201–205 MiB. The price
// is paid by the next sync, which starts with a small heap: ~+0.2 s of CPU on that home, once
// every few minutes.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type Collect = (options: { type: 'major'; execution: 'async' }) => void;

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

/** Collects once no work has started for `delayMs` after the last work ended. */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private readonly collect: Collect | undefined;
  private readonly delayMs: number;

  constructor(collect: Collect | undefined, delayMs = 2000) {
    this.collect = collect;
    this.delayMs = delayMs;
  }

  /** Work started: nothing is collected in the middle of it. */
  busy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The last work ended. */
  idle(): void {
    this.busy();
    const collect = this.collect;
    if (!collect) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      collect({ type: 'major', execution: 'async' });
    }, this.delayMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }
}
