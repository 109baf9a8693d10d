// Reaching a listed session's content wherever it is: on this machine's disk when this device
// holds its newest version, else in the snapshot of the device that does (read through the vault,
// a chunk at a time, so a first page costs the first chunks only). Built on it: paging for the
// viewer, Markdown export, indexing other devices' sessions from the vault, and continuing a
// session here (continue.ts).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CairnError, NotFoundError } from '../../../shared/errors.ts';
import type { BlobId } from '../../../shared/ids.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import type { Repository } from '../repository.ts';
import { localFiles, readerForFormat, readPage, streamItems } from '../sessions/index.ts';
import type { SessionFiles, SessionItem, SessionPage, SessionReader, SessionRef } from '../sessions/index.ts';
import type { OnDamaged, SnapshotRecord, TreeEntry, TreeReader } from '../vault/index.ts';
import { timeSeconds } from './build.ts';
import { itemText } from './read.ts';
import { refreshCatalogs } from './refresh.ts';
import type { RefreshResult } from './refresh.ts';
import { SessionDb, TextChunker } from './session-db.ts';
import type { CatalogRow } from './session-db.ts';
import { makeDirs } from '../make-dirs.ts';

/** A snapshot's files under one root, served as a reader's SessionFiles. */
export function snapshotFiles(reader: TreeReader, blobSize: (id: BlobId) => number | undefined, snapshot: SnapshotRecord, label: string, tmpDir: string): SessionFiles {
  const entryOf = async (path: string): Promise<TreeEntry | undefined> => {
    try {
      return (await reader.resolve(snapshot, `${label}/${path}`)).entry;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  };
  const fileOf = async (path: string): Promise<TreeEntry> => {
    const e = await entryOf(path);
    if (!e || e.type !== 'file') throw new NotFoundError(`'${path}' is not in snapshot ${snapshot.id.slice(0, 8)} of ${snapshot.deviceName}.`);
    return e;
  };
  return {
    async stat(path) {
      const e = await entryOf(path);
      return e?.type === 'file' ? { size: e.size, mtimeMs: Number(BigInt(e.mtimeNs) / 1_000_000n) } : undefined;
    },
    read: async (path) => Buffer.from(await reader.readFile(await fileOf(path))),
    async *open(path, start = 0) {
      const e = await fileOf(path);
      let at = 0;
      for (const id of e.content ?? []) {
        const size = blobSize(id);
        // Chunks wholly before `start` are skipped unread when the index knows their size.
        if (size !== undefined && at + size <= start) {
          at += size;
          continue;
        }
        const bytes = Buffer.from(await reader.readBlob(id));
        const from = Math.max(0, start - at);
        at += bytes.length;
        if (from < bytes.length) yield from === 0 ? bytes : bytes.subarray(from);
      }
    },
    async sqlitePath(path) {
      const e = await fileOf(path);
      const name = createHash('sha256').update((e.content ?? []).join(',')).digest('hex').slice(0, 32);
      const file = join(tmpDir, 'sessions', `${name}.sqlite`);
      if (!existsSync(file)) {
        await makeDirs(dirname(file));
        await writeFileAtomic(file, await reader.readFile(e));
      }
      return file;
    },
    async list(dir) {
      const base = dir === '' || dir === '.' ? label : `${label}/${dir}`;
      let start;
      try {
        start = await reader.resolve(snapshot, base);
      } catch (error) {
        if (error instanceof NotFoundError) return [];
        throw error;
      }
      const out: string[] = [];
      for await (const r of reader.walk(start)) if (r.entry.type === 'file') out.push(r.path.slice(label.length + 1));
      return out.sort();
    },
  };
}

export interface OpenedSession {
  row: CatalogRow;
  reader: SessionReader;
  files: SessionFiles;
  ref: SessionRef;
  /** Where it is read from. */
  from: 'local' | 'vault';
}

/** The session's files: this disk when this device holds the newest version and has it, else the vault. */
export async function openSession(repo: Repository, row: CatalogRow): Promise<OpenedSession> {
  const reader = readerForFormat(row.format as Parameters<typeof readerForFormat>[0]);
  const ref: SessionRef = { agent: reader.agent, format: reader.format, path: row.path, ...(row.key !== undefined ? { key: row.key } : {}) };
  const snapshot = await repo.findSnapshot(row.snapshot);
  const root = snapshot.roots.find((r) => r.label === row.root);
  if (!root) throw new NotFoundError(`Snapshot ${row.snapshot.slice(0, 8)} has no folder '${row.root}'.`);
  if (row.device === repo.device.id && (await stat(join(root.path, ...row.path.split('/'))).catch(() => undefined))) {
    return { row, reader, files: localFiles(root.path), ref, from: 'local' };
  }
  await repo.refreshIndex();
  const files = snapshotFiles(repo.reader(), (id) => repo.db.getBlob(id)?.rawLength, snapshot, row.root, repo.tmpDir);
  return { row, reader, files, ref, from: 'vault' };
}

/** Finds one listed session by id or unique id prefix (optionally of one agent). */
export function findSession(sessions: SessionDb, idOrPrefix: string, agent?: string): CatalogRow {
  const rows = sessions.find(idOrPrefix, agent);
  if (rows.length === 0) throw new NotFoundError(`No session has an id starting with '${idOrPrefix}'. See 'cairn sessions'.`);
  if (rows.length > 1) throw new CairnError('config', `More than one session starts with '${idOrPrefix}' (${rows.slice(0, 3).map((r) => `${r.agent} ${r.id}`).join(', ')}…). Give more characters or --agent.`);
  return rows[0] as CatalogRow;
}

/**
 * Reads every device's newest catalog into the local list (the index first, so pages can be read).
 * A damaged snapshot record is left out and named in `damaged` (and told to `onDamaged`): one bad
 * object never hides every other device's sessions.
 */
export async function refreshSessions(repo: Repository, onDamaged?: OnDamaged): Promise<RefreshResult & { damaged: string[] }> {
  const damaged: string[] = [];
  const snapshots = await repo.listSnapshots(undefined, (key, error) => {
    damaged.push(key);
    onDamaged?.(key, error);
  });
  await repo.refreshIndex();
  return { ...(await refreshCatalogs(repo.reader(), new SessionDb(repo.db.db), snapshots)), damaged };
}

/** One page of a session's items. */
export async function sessionPage(opened: OpenedSession, options: { cursor?: string; limit: number; signal?: AbortSignal }): Promise<SessionPage> {
  return readPage(opened.reader, opened.files, opened.ref, options);
}

/**
 * Indexes the text of listed sessions whose newest version the index doesn't hold (other devices'
 * sessions, read from the vault), newest first, at most `limit`. Returns how many were indexed.
 */
export async function indexFromVault(repo: Repository, options: { limit?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<number> {
  const sessions = new SessionDb(repo.db.db);
  const due = sessions.unindexed(options.limit ?? 1000);
  let done = 0;
  for (const row of due) {
    options.signal?.throwIfAborted();
    const opened = await openSession(repo, row);
    const chunker = new TextChunker();
    const writer = sessions.textWriter({ at: timeSeconds(row.updatedAt) });
    try {
      for await (const { item } of streamItems(opened.reader, opened.files, opened.ref, { signal: options.signal })) {
        chunker.add(item.seq, itemText(item));
        writer.add(chunker.take());
      }
      writer.add(chunker.finish());
      writer.commit(row.agent, row.id, row.digest);
    } catch (error) {
      writer.discard();
      throw error;
    }
    done++;
    options.onProgress?.(done, due.length);
  }
  await sessions.dropRetired(options.signal);
  return done;
}

// Markdown ---------------------------------------------------------------------------------------

const fence = (text: string) => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text}\n${f}`;
};
const quote = (text: string) => text.split('\n').map((l) => `> ${l}`).join('\n');

export function markdownHeader(row: CatalogRow): string {
  const lines = [`# ${row.title ?? row.id}`, ''];
  lines.push(`- Agent: ${row.agent}`, `- Session: \`${row.id}\``);
  if (row.project) lines.push(`- Project: \`${row.project}\``);
  lines.push(`- Device: ${row.deviceName}`);
  if (row.startedAt) lines.push(`- Started: ${row.startedAt}`);
  if (row.updatedAt) lines.push(`- Updated: ${row.updatedAt}`);
  if (row.model) lines.push(`- Model: ${row.model}`);
  lines.push(`- Messages: ${row.messages}, tool calls: ${row.toolCalls}`, '');
  return `${lines.join('\n')}\n`;
}

/** One item as Markdown. */
export function itemMarkdown(item: SessionItem): string {
  const when = item.time ? ` · ${item.time}` : '';
  switch (item.kind) {
    case 'message':
      return `## ${item.role === 'user' ? 'User' : 'Assistant'}${when}\n\n${item.text}\n`;
    case 'thinking':
      return `<details><summary>Thinking</summary>\n\n${quote(item.text)}\n\n</details>\n`;
    case 'tool-call': {
      const result = item.result ? `\n\n${item.result.isError ? 'Error' : 'Result'}:\n\n${fence(item.result.text)}` : '';
      return `### Tool: ${item.name}${when}\n\n${item.summary ? `${item.summary}\n\n` : ''}${fence(item.input)}${result}\n`;
    }
    case 'tool-result':
      return `### Tool result${item.name ? `: ${item.name}` : ''}${when}\n\n${fence(item.result.text)}\n`;
    case 'attachment':
      return `### Attachment: ${item.label}\n\n${fence(item.text)}\n`;
    case 'note':
      return `*${item.label}*${item.text ? `: ${item.text}` : ''}\n`;
    case 'subagent':
      return `*Sub-agent ${item.label}: ${item.title ?? item.sessionId}* (\`${item.sessionId}\`)\n`;
    case 'not-shown':
      return `*not shown: ${item.recordType}*\n`;
    case 'unreadable':
      return `*unreadable: ${item.reason}*\n`;
    default: {
      const never: never = item;
      return never;
    }
  }
}

/** The whole session as Markdown, a piece at a time (memory bounded by one item). */
export async function* sessionMarkdown(opened: OpenedSession, signal?: AbortSignal): AsyncGenerator<string> {
  yield markdownHeader(opened.row);
  for await (const { item } of streamItems(opened.reader, opened.files, opened.ref, { signal })) yield `\n${itemMarkdown(item)}`;
}
