// One progress reporter for the engine's long jobs (backup, restore): a small typed record the
// job updates in place, handed to the caller's callback at most every `intervalMs` (phase changes
// and the end always), plus the cancel check both jobs make between steps. restic's archiver
// reports through one such callback; the CLI and the UI render it.

import { CairnError } from '../../shared/errors.ts';
import type { ProgressInfo } from '../../shared/models.ts';

export class ProgressReporter {
  readonly progress: ProgressInfo;
  private lastEmit = 0;
  private readonly onProgress: ((progress: ProgressInfo) => void) | undefined;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private sampler: ((progress: ProgressInfo) => void) | undefined;

  constructor(phase: string, onProgress: ((progress: ProgressInfo) => void) | undefined, now: () => number = Date.now, intervalMs = 100) {
    this.progress = { phase, filesDone: 0, bytesDone: 0, uploadedBytes: 0 };
    this.onProgress = onProgress;
    this.now = now;
    this.intervalMs = intervalMs;
  }

  /** Runs before every report, to fill in what is read from elsewhere (the packer's bytes waiting to upload). */
  sample(fn: (progress: ProgressInfo) => void): void {
    this.sampler = fn;
  }

  /** Hands a copy of the progress to the callback, unless one went out less than `intervalMs` ago. */
  emit(force = false): void {
    const t = this.now();
    if (!force && t - this.lastEmit < this.intervalMs) return;
    this.lastEmit = t;
    this.sampler?.(this.progress);
    // A total can be an estimate (a backup starts from the last backup's counts): what is done
    // never reads as more than the whole.
    const p = this.progress;
    if (p.filesTotal !== undefined && p.filesDone > p.filesTotal) p.filesTotal = p.filesDone;
    if (p.bytesTotal !== undefined && p.bytesDone > p.bytesTotal) p.bytesTotal = p.bytesDone;
    this.onProgress?.({ ...p });
  }

  /** A new phase is always reported. */
  phase(phase: string): void {
    this.progress.phase = phase;
    this.emit(true);
  }

  fileDone(bytes = 0): void {
    this.progress.filesDone++;
    this.progress.bytesDone += bytes;
    this.emit();
  }

  bytes(n: number): void {
    this.progress.bytesDone += n;
    this.emit();
  }

  uploaded(n: number): void {
    this.progress.uploadedBytes += n;
    this.emit();
  }
}

/** Throws `cancelled` with `message` (what was kept, what to do) once `signal` is aborted. */
export function cancelCheck(signal: AbortSignal | undefined, message: string): () => void {
  return () => {
    if (signal?.aborted) throw new CairnError('cancelled', message);
  };
}
