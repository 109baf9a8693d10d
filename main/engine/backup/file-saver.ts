// The file saver (restic's archiver has one): one walked file into a tree entry. A file unchanged
// since the last run (size, mtime, ctime, inode and mode as the state DB's file cache holds them)
// is taken from the cache unread; a changed one is streamed through the chunker, and the blobs
// nobody stored yet are sealed and packed. SQLite databases are copied consistently first;
// files with credential rules are scrubbed (or kept on this machine) before anything is read.
// Every file saved goes into `files`, the next run's file cache.

import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { CairnError } from '../../../shared/errors.ts';
import { turn } from '../concurrency.ts';
import type { BlobId } from '../../../shared/ids.ts';
import type { FileCacheChange, FileCacheEntry, StateDb } from '../state/index.ts';
import { plainLength } from '../vault/index.ts';
import type { BlobCodec, Chunk, ChunkStream, Packer, SealedChunk, TailMark, TreeEntry } from '../vault/index.ts';
import { fsArg, showPath, SourceFileError } from '../workers/index.ts';
import type { ExpectedFile, FsPath } from '../workers/index.ts';
import type { ProgressReporter } from '../progress-reporter.ts';
import type { BackupOutcome } from './outcome.ts';
import type { CompiledRules } from './rules.ts';
import { planUpload, rulesFor, scrubSqliteCopy } from './scrub.ts';
import type { ScrubResult } from './scrub.ts';
import type { ContentRule } from './source.ts';
import { sameAsWalked, walkedFile } from './roots.ts';
import type { CheckedRoot } from './roots.ts';

/** Files this large get a tail mark (a SHA-256 pass) so that appends to them resume chunking; smaller ones are cheap to chunk again. */
const TAIL_MARK_MIN_SIZE = 256 * 1024;

const nsString = (v: bigint) => v.toString();

/** A semaphore bounding how many files are read at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  /** Waits for a free slot and takes it; `release()` gives it back. */
  async acquire(): Promise<void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }
  release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** Work that has started: `done` settles when it is over (a wrapper, so awaiting the start doesn't await the work). */
export interface Started<T> {
  done: Promise<T>;
}

/** The file cache's verdict: `st` (plus `extra`, a WAL file's stat) is what `cached` recorded. */
export function sameFile(cached: FileCacheEntry | undefined, st: BigIntStats, extra: string, sizeInExtra = false): cached is FileCacheEntry {
  return (
    cached !== undefined &&
    // A database's cached size is its copy's (scrubbed copies are smaller): `extra` holds the file's.
    (sizeInExtra || cached.size === Number(st.size)) &&
    cached.mtimeNs === nsString(st.mtimeNs) &&
    cached.ctimeNs === nsString(st.ctimeNs) + extra &&
    cached.inode === nsString(st.ino) &&
    cached.mode === Number(st.mode)
  );
}

export interface FileSaverOptions {
  codec: BlobCodec;
  db: StateDb;
  packer: Packer;
  outcome: BackupOutcome;
  reporter: ProgressReporter;
  checkAbort: () => void;
  /** This run's own temporary folder (SQLite copies, scrubbed bytes). */
  tmpDir: string;
  /** Copies a live SQLite database consistently (online backup API). */
  copySqlite: (src: string, dest: string) => Promise<void>;
  /** How many files are read at once. */
  concurrency: number;
  /** See BackupOptions.onFileWalked. */
  onFileWalked?: (label: string, rel: string, file: FileCacheEntry) => void;
}

/** Where a file was walked: `abs` is bytes (and `raw.rel` its path's bytes under the root) once a name on the way is not UTF-8. */
export interface WalkedPath {
  source: CheckedRoot;
  rel: string;
  abs: FsPath;
  name: string;
  /** `name` is set when this entry's own name is not valid UTF-8 (its bytes, base64). */
  raw?: { rel: Buffer; name?: string };
}

interface Stored {
  content: BlobId[];
  size: number;
  newBytes: number;
  tailDigest?: Uint8Array;
}

/** Whether `abs` is a regular file (not a link, folder or special file) right now. */
function isFileNow(abs: FsPath): boolean {
  try {
    return lstatSync(fsArg(abs)).isFile();
  } catch {
    return false;
  }
}

export class FileSaver {
  /** Per source label: every file saved in this run (the next run's file cache). */
  readonly files = new Map<string, Map<string, FileCacheEntry>>();
  /** Some entry of `files` differs from what the cache held (it is rewritten only then). */
  cacheDirty = false;
  /** Per source label: the entries of `files` that differ from the cache's (new or changed). */
  private readonly changed = new Map<string, Map<string, FileCacheEntry>>();
  /** Changed files whose verified prefix was not chunked again (they grew by appends). */
  resumedFiles = 0;
  private readonly o: FileSaverOptions;
  private readonly limiter: Limiter;
  private readonly oldCache = new Map<string, Map<string, FileCacheEntry>>();

  constructor(options: FileSaverOptions) {
    this.o = options;
    this.limiter = new Limiter(options.concurrency);
  }

  /** The file's tree entry, or undefined when it is excluded, kept local or skipped with a warning. */
  async save(rules: CompiledRules, at: WalkedPath): Promise<TreeEntry | undefined> {
    return (await this.begin(rules, at)).done;
  }

  /**
   * Starts saving the file once one of the `concurrency` slots is free, and returns then: the
   * walk's back-pressure. A walk that queued every file it listed held a pending task per file
   * (~2 KB of promises and closures each, measured on 12,000 files) before reading the first.
   */
  async begin(rules: CompiledRules, at: WalkedPath): Promise<Started<TreeEntry | undefined>> {
    const { source, rel } = at;
    const cls = rules.classify(rel);
    if (cls === 'secret') this.o.outcome.keep(source.label, rel, `credential file (rule ${rules.secretRule(rel) ?? 'secret'})`);
    if (cls !== 'included') return { done: Promise.resolve(undefined) };
    const kind = rules.isSqlite(rel) ? 'sqlite' : 'file';
    await this.limiter.acquire();
    const done = this.saveWalked(at, kind).finally(() => this.limiter.release());
    return { done };
  }

  private async saveWalked(at: WalkedPath, kind: 'sqlite' | 'file', again = false): Promise<TreeEntry | undefined> {
    const { source, rel, abs, name, raw } = at;
    // An unchanged file is settled without waiting on anything: give the event loop its turns.
    for (let t = turn(); t; t = turn()) await t;
    this.o.checkAbort();
    let st: BigIntStats;
    try {
      // Synchronous on purpose: ~9 µs each, while the async call is a thread-pool round trip
      // that queues behind the workers' reads (measured 24 ms vs 380 ms for 2,700 files).
      st = lstatSync(fsArg(abs), { bigint: true });
    } catch (error) {
      return this.o.outcome.skipFile(abs, error);
    }
    // Replaced by a link, folder or FIFO since it was listed: not the file that was walked.
    if (!st.isFile()) return this.o.outcome.skipFile(abs, new SourceFileError('changed', `${showPath(abs)} was replaced after it was listed; it was not read. The next backup tries again.`));
    const expect = walkedFile(source, raw?.rel ?? rel, st);
    this.o.reporter.progress.currentPath = showPath(abs);
    // A WAL database changes in its -wal file first: fold that file's stat into the check.
    // What is stored of a database is a copy (scrubbed of credentials, so often smaller): the
    // file's own size goes beside it, or the cache would never vouch for it and every backup would
    // copy, scrub and chunk it again.
    const contentRules = rulesFor(source.contentRules, rel);
    let extra = '';
    if (kind === 'sqlite') {
      const wal = await stat(`${showPath(abs)}-wal`, { bigint: true }).catch(() => undefined);
      extra = `|db${st.size}${wal ? `|${wal.size}|${wal.mtimeNs}` : ''}`;
    } else if (contentRules.length > 0) {
      // The same for a file stored without the keys removed from it (smaller than the file): it
      // was read, scrubbed and counted "changed" by every backup (measured: settings.json with
      // an API key, "1 changed" in every backup that changed nothing).
      extra = `|rules${st.size}`;
    }
    const cached = this.cacheOf(source.label).get(rel);
    // Databases and files with credential rules are read by path by code that takes text
    // paths (SQLite, the scrubbers): under a name that isn't UTF-8 they stay local, unread.
    if (typeof abs !== 'string' && (kind === 'sqlite' || contentRules.length > 0)) {
      this.o.outcome.keep(source.label, rel, 'its name is not valid UTF-8 and its credential rules (or SQLite) need a text path; rename it to back it up');
      return undefined;
    }
    // An entry in the file cache vouches that its blobs are stored (see StateDb.removeIndex).
    const unchanged = sameFile(cached, st, extra, extra !== '');
    let stored: Pick<Stored, 'content' | 'size' | 'tailDigest'> | undefined;
    if (unchanged) {
      stored = cached;
      this.o.outcome.stats.unchangedFiles++;
      this.o.reporter.progress.bytesDone += cached.size;
    } else {
      try {
        stored = await this.readChanged(at, kind, contentRules, { cached, size: Number(st.size), expect });
      } catch (error) {
        // Saved again under its name since it was looked at (agents write their JSON to a
        // temporary file and rename it over): the new file is read, once.
        if (!again && error instanceof SourceFileError && error.reason === 'changed' && isFileNow(abs)) return this.saveWalked(at, kind, true);
        return this.o.outcome.skipFile(abs, error);
      }
      if (!stored) return undefined;
      this.o.outcome.stats.newBytes += (stored as Stored).newBytes;
      if (cached) this.o.outcome.stats.changedFiles++;
      else this.o.outcome.stats.newFiles++;
    }
    const { content, size, tailDigest } = stored;
    this.record(source.label, rel, { size, mtimeNs: nsString(st.mtimeNs), ctimeNs: nsString(st.ctimeNs) + extra, inode: nsString(st.ino), mode: Number(st.mode), content, ...(tailDigest ? { tailDigest } : {}) }, unchanged);
    return { name, type: 'file', mode: Number(st.mode) & 0o7777, mtimeNs: nsString(st.mtimeNs), size, content, ...(raw?.name !== undefined ? { rawName: raw.name } : {}) };
  }

  /** Adds a saved file to `files`, counts it, reports it. */
  private record(label: string, rel: string, entry: FileCacheEntry, unchanged: boolean): void {
    // An unchanged file keeps its cached entry's content as it is.
    if (!unchanged) {
      this.cacheDirty = true;
      let changed = this.changed.get(label);
      if (!changed) this.changed.set(label, (changed = new Map()));
      changed.set(rel, entry);
    }
    let forLabel = this.files.get(label);
    if (!forLabel) this.files.set(label, (forLabel = new Map()));
    forLabel.set(rel, entry);
    this.o.onFileWalked?.(label, rel, entry);
    this.o.outcome.stats.files++;
    this.o.outcome.stats.bytes += entry.size;
    this.o.reporter.fileDone();
  }

  /**
   * What the file cache must become so that it holds exactly `files` for every source walked:
   * the new and changed entries, and the cached paths this run didn't save.
   */
  cacheChanges(): FileCacheChange[] {
    return [...this.files].map(([label, all]) => ({
      label,
      put: this.changed.get(label) ?? new Map<string, FileCacheEntry>(),
      removed: [...(this.oldCache.get(label)?.keys() ?? [])].filter((path) => !all.has(path)),
    }));
  }

  /** Whether this run saved `rel` of the source labelled `label` as the file cache held it (not read again). */
  savedUnchanged(label: string, rel: string): boolean {
    return this.files.get(label)?.has(rel) === true && this.changed.get(label)?.has(rel) !== true;
  }

  private cacheOf(label: string): Map<string, FileCacheEntry> {
    let c = this.oldCache.get(label);
    if (!c) this.oldCache.set(label, (c = this.o.db.getFiles(label)));
    return c;
  }

  /** A changed file's content stored: as it is, scrubbed, or (SQLite) from a consistent copy. Undefined: kept local. */
  private async readChanged(at: WalkedPath, kind: 'sqlite' | 'file', contentRules: ContentRule[], previous: { cached: FileCacheEntry | undefined; size: number; expect: ExpectedFile }): Promise<Stored | undefined> {
    const { source, rel, abs } = at;
    if (kind === 'sqlite') return this.readSqlite(source.label, rel, showPath(abs), contentRules, previous.expect);
    const plan = contentRules.length > 0 ? await planUpload(showPath(abs), rel, contentRules) : { action: 'as-is' as const };
    if (plan.action === 'skip') {
      this.o.outcome.keep(source.label, rel, plan.why);
      return undefined;
    }
    // planUpload read the file by its path: check that it read what was walked.
    if (plan.action !== 'as-is') sameAsWalked(showPath(abs), previous.expect);
    if (plan.action === 'as-is') return this.storeContent(abs, previous);
    // Upload exactly the bytes that were checked (and redacted), not the file as it is now.
    const copy = join(this.o.tmpDir, randomBytes(8).toString('hex'));
    try {
      await writeFile(copy, plan.data);
      const stored = await this.storeContent(copy);
      if (plan.redacted > 0) this.o.outcome.scrub(source.label, rel, plan.why ?? 'credentials', plan.removed ?? []);
      return stored;
    } finally {
      await rm(copy, { force: true });
    }
  }

  private async readSqlite(label: string, rel: string, abs: string, contentRules: ContentRule[], expect: ExpectedFile): Promise<Stored | undefined> {
    const copy = join(this.o.tmpDir, `${randomBytes(8).toString('hex')}.sqlite`);
    try {
      try {
        await this.o.copySqlite(abs, copy);
      } catch (error) {
        // A database that can't be copied as one (damaged, or not a database): left out with a
        // warning, the rest of the backup goes on (it failed the whole run). One the credential
        // rules name can't be cleaned of them either: it is also recorded as kept local.
        if (!(error instanceof CairnError) || error.code === 'cancelled' || error.code === 'not_found') throw error;
        if (contentRules.length > 0) this.o.outcome.keep(label, rel, `${contentRules[0]?.why ?? 'credentials'}: ${error.message}`);
        this.notBackedUp(abs, error.message, contentRules.length > 0);
        return undefined;
      }
      await chmod(copy, 0o600);
      // SQLite opens the database by path: check that what it copied is what was walked.
      sameAsWalked(abs, expect);
      // Credential rows are deleted from the copy, never from the agent's database.
      let scrubbed: ScrubResult | undefined;
      if (contentRules.length > 0) {
        try {
          scrubbed = await scrubSqliteCopy(copy, contentRules);
        } catch (error) {
          this.o.outcome.keep(label, rel, `${contentRules.map((r) => r.why).join('; ')}: ${(error as Error).message}`);
          this.notBackedUp(abs, (error as Error).message, true);
          return undefined;
        }
      }
      const { content, size, newBytes } = await this.storeContent(copy);
      if (scrubbed && scrubbed.rowsDeleted > 0) this.o.outcome.scrub(label, rel, contentRules.map((r) => r.why).join('; '), scrubbed.tables.map((t) => `table ${t}`));
      return { content, size, newBytes };
    } finally {
      await rm(copy, { force: true });
    }
  }

  /**
   * A database that couldn't be copied, or cleaned of the credentials it holds (a damaged file,
   * most often): a warning, for it is an agent's data missing from the snapshot (an OpenCode
   * database is every session), not a credential file left out by design.
   */
  private notBackedUp(shown: string, why: string, credentials: boolean): void {
    const reason = why.replace(/\s*\n\s*/g, ' ').replace(/\.?$/, '.');
    const after = credentials ? 'It holds credentials that are removed from a copy before upload, so it stays on this computer.' : 'Earlier snapshots keep the versions they hold.';
    this.o.outcome.warn(shown, 'unreadable', `${shown} was not backed up: ${reason} ${after} The next backup tries again.`);
  }

  /**
   * Where chunking may resume for a file that changed since `cached`: its last chunk starts where
   * the sizes of the others add up to (the cache vouches they are stored; see StateDb.removeIndex).
   */
  private resumePoint(cached: FileCacheEntry | undefined): TailMark | undefined {
    if (!cached?.tailDigest || cached.content.length < 2) return undefined;
    let offset = 0;
    for (const id of cached.content.slice(0, -1)) {
      const loc = this.o.db.getBlob(id);
      if (!loc) return undefined;
      offset += loc.rawLength;
    }
    return { offset, digest: cached.tailDigest };
  }

  /**
   * Stores the content of a file; returns its blob ids and the number of bytes read. With a
   * cached entry, a file that grew by appends is chunked from its old last chunk on (its prefix
   * is verified by SHA-256 in the worker, ~3× faster than chunking it).
   */
  private async storeContent(path: FsPath, previous?: { cached: FileCacheEntry | undefined; size: number; expect: ExpectedFile }): Promise<Stored> {
    const { codec, packer, reporter } = this.o;
    const content: BlobId[] = [];
    let size = 0;
    let newBytes = 0;
    const resume = previous ? this.resumePoint(previous.cached) : undefined;
    const extras = { ...(resume ? { resume } : {}), ...(previous ? { expect: previous.expect } : {}), markTail: previous !== undefined && previous.size >= TAIL_MARK_MIN_SIZE };
    // A file the cache has never seen is new content almost always: sealed in the worker that
    // cuts it, its plaintext never crosses threads (measured: initial backup −7 % wall).
    const stream: ChunkStream<Chunk | SealedChunk> = previous && !previous.cached ? codec.chunkAndSeal(path, extras) : codec.chunkFile(path, extras);
    for await (const batch of stream) {
      this.o.checkAbort();
      // Count before sealing: the worker pool takes ownership of (transfers) the chunks' bytes.
      let batchBytes = 0;
      for (const c of batch) {
        content.push(c.id);
        batchBytes += plainLength(c);
      }
      size += batchBytes;
      const fresh = batch.filter((c, i) => !packer.has(c.id) && batch.findIndex((d) => d.id === c.id) === i);
      const plain = fresh.filter((c): c is Chunk => !('sealed' in c));
      const sealed = [...fresh.filter((c): c is SealedChunk => 'sealed' in c), ...(plain.length > 0 ? await codec.compressAndSeal(plain) : [])];
      for (const s of sealed) {
        // Another file may have added the same chunk while this one was being sealed. The state
        // database was asked above, once per chunk: what another device's index adds to it
        // meanwhile may be stored twice, as it could be after any check.
        if (packer.added(s.id)) continue;
        newBytes += s.rawLength;
        await packer.add({ id: s.id, type: 'data', rawLength: s.rawLength, sealed: s.sealed });
      }
      reporter.bytes(batchBytes);
    }
    if (stream.resumedAt > 0) {
      content.unshift(...(previous?.cached?.content.slice(0, -1) ?? []));
      size += stream.resumedAt;
      reporter.progress.bytesDone += stream.resumedAt;
      this.resumedFiles++;
    }
    return { content, size, newBytes, ...(stream.tail ? { tailDigest: stream.tail.digest } : {}) };
  }
}
