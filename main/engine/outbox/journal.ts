// The outbox journal: an append-only file of JSON lines, each flushed to the disk before the put
// it records is reported done. A `batch` line opens one offline backup (which vault, and which
// index files it took as stored); a `put` line records that an object is in the spool, in the
// order it was written, which is the order it is uploaded. Upload progress is not journaled:
// an object whose spool file is gone was uploaded (or dropped), so a flush killed at any point
// resumes from the files that remain.

import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.ts';

export interface BatchRecord {
  type: 'batch';
  id: string;
  /** The vault the batch's objects are sealed for; a batch for another vault is never uploaded. */
  vault: string;
  /** Index files the backup counted as stored when it started (the local index cache). */
  indexIds: string[];
  at: string;
}

export interface PutRecord {
  type: 'put';
  key: string;
  batch: string;
  size: number;
}

export type JournalRecord = BatchRecord | PutRecord;

export interface JournalContents {
  records: JournalRecord[];
  /** Batches with a line that could not be read: their order can't be trusted. */
  damagedBatches: Set<string>;
}

/**
 * Reads the journal. A last line cut short by a crash is removed from the file (it recorded
 * nothing: its put never returned), so later appends start on a line of their own.
 */
export function readJournal(file: string): JournalContents {
  const contents: JournalContents = { records: [], damagedBatches: new Set() };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return contents;
    throw error;
  }
  if (text.length > 0 && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    truncateTo(file, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  let currentBatch: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = parseRecord(line);
    if (!record) {
      if (currentBatch !== undefined) contents.damagedBatches.add(currentBatch);
      continue;
    }
    if (record.type === 'batch') currentBatch = record.id;
    else if (record.batch !== currentBatch) contents.damagedBatches.add(record.batch);
    contents.records.push(record);
  }
  return contents;
}

/** Appends lines and flushes them to the disk. */
export async function appendJournal(file: string, records: readonly JournalRecord[], fsync: boolean): Promise<void> {
  const handle = await open(file, 'a');
  try {
    await handle.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces the journal with `records` atomically, or removes it when empty. */
export async function rewriteJournal(file: string, records: readonly JournalRecord[], fsync: boolean): Promise<void> {
  if (records.length === 0) {
    await rm(file, { force: true });
    return;
  }
  await writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { fsync });
}


function parseRecord(line: string): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (r.type === 'batch' && typeof r.id === 'string' && typeof r.vault === 'string' && typeof r.at === 'string' && Array.isArray(r.indexIds) && r.indexIds.every((x) => typeof x === 'string')) {
    return { type: 'batch', id: r.id, vault: r.vault, indexIds: r.indexIds as string[], at: r.at };
  }
  if (r.type === 'put' && typeof r.key === 'string' && typeof r.batch === 'string' && typeof r.size === 'number') {
    return { type: 'put', key: r.key, batch: r.batch, size: r.size };
  }
  return undefined;
}

function truncateTo(file: string, length: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
