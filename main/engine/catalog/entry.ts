// One session as the vault's catalog records it: what listing, filtering and finding its files
// need, and nothing of its content. Validated on read like every other record.

import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { IntegrityError } from '../../../shared/errors.ts';

export interface CatalogEntry {
  /** Agent id (`claude-code`, `codex`, …). */
  agent: string;
  /** The reader's format (`claude-code`, `codex`, `gemini-jsonl`, …). */
  format: string;
  /** The agent's own session id: what its resume command takes. */
  id: string;
  /** The snapshot root (source label) the session's files are under. */
  root: string;
  /** The file that defines the session, relative to the root. */
  path: string;
  /** For files holding many sessions (databases, Aider's log): the session inside. */
  key?: string;
  /** Every file (relative to the root) the session's content comes from. */
  files: string[];
  title?: string;
  /** Working directory as recorded on the machine that ran the session. */
  project?: string;
  startedAt?: string;
  updatedAt?: string;
  model?: string;
  messages: number;
  toolCalls: number;
  parentId?: string;
  role?: 'main' | 'subagent' | 'workflow';
  /** Bytes of the session's files. */
  bytes: number;
  /** SHA-256 (hex) of the files' paths and content blob ids: changes exactly when they do. */
  digest: string;
}

const entrySchema = z.object({
  agent: z.string(),
  format: z.string(),
  id: z.string(),
  root: z.string(),
  path: z.string(),
  key: z.optional(z.string()),
  files: z.array(z.string()),
  title: z.optional(z.string()),
  project: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  model: z.optional(z.string()),
  messages: z.int().check(z.nonnegative()),
  toolCalls: z.int().check(z.nonnegative()),
  parentId: z.optional(z.string()),
  role: z.optional(z.enum(['main', 'subagent', 'workflow'])),
  bytes: z.int().check(z.nonnegative()),
  digest: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

const pageSchema = z.object({ v: z.literal(1), sessions: z.array(entrySchema) });

/** Titles are cut here: a catalog entry stays small whatever the first message was. */
export const MAX_TITLE = 200;

/** The key that identifies a session across devices and snapshots. */
export function sessionKey(e: Pick<CatalogEntry, 'agent' | 'id'>): string {
  return `${e.agent}:${e.id}`;
}

/**
 * The digest of a session's stored content (docs/FORMAT.md): per file, in order, its path, a NUL,
 * its content blob ids (raw bytes) and a newline. `content` gives a file's blob ids, or undefined
 * for a file the snapshot doesn't hold (then only its path counts).
 */
export function sessionDigest(files: readonly string[], content: (path: string) => readonly string[] | undefined): string {
  const h = createHash('sha256');
  for (const path of files) {
    h.update(`${path}\0`);
    for (const id of content(path) ?? []) h.update(Buffer.from(id, 'hex'));
    h.update('\n');
  }
  return h.digest('hex');
}

/** An entry with its keys in the documented order and absent optionals left out. */
export function canonicalEntry(e: CatalogEntry): CatalogEntry {
  const o: Record<string, unknown> = { agent: e.agent, format: e.format, id: e.id, root: e.root, path: e.path };
  if (e.key !== undefined) o.key = e.key;
  o.files = [...e.files];
  if (e.title !== undefined) o.title = e.title.length > MAX_TITLE ? `${e.title.slice(0, MAX_TITLE - 1)}…` : e.title;
  if (e.project !== undefined) o.project = e.project;
  if (e.startedAt !== undefined) o.startedAt = e.startedAt;
  if (e.updatedAt !== undefined) o.updatedAt = e.updatedAt;
  if (e.model !== undefined) o.model = e.model;
  o.messages = e.messages;
  o.toolCalls = e.toolCalls;
  if (e.parentId !== undefined) o.parentId = e.parentId;
  if (e.role !== undefined) o.role = e.role;
  o.bytes = e.bytes;
  o.digest = e.digest;
  return o as unknown as CatalogEntry;
}

/** A catalog page: canonical JSON of its entries sorted by session key, so equal pages are one blob. */
export function encodePage(entries: readonly CatalogEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => cmp(sessionKey(a), sessionKey(b)) || cmp(a.root, b.root) || cmp(a.path, b.path));
  return Buffer.from(JSON.stringify({ v: 1, sessions: sorted.map(canonicalEntry) }));
}

export function decodePage(bytes: Uint8Array, id: string): CatalogEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new IntegrityError(`Catalog page ${id.slice(0, 12)}… is not valid JSON.`, { cause });
  }
  const r = pageSchema.safeParse(raw);
  if (!r.success) throw new IntegrityError(`Catalog page ${id.slice(0, 12)}… is malformed: ${issue(r.error.issues[0])}.`);
  return r.data.sessions as CatalogEntry[];
}

const issue = (i: { path: readonly PropertyKey[]; message: string } | undefined) => (i ? `${i.path.map(String).join('.')}: ${i.message}` : 'invalid');

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
