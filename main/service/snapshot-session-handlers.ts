// The Snapshots screen's file viewer reads a snapshot's transcript with the engine's session
// readers, in pages, like the Sessions screen: the renderer never parses transcripts and never
// receives a whole file. One scan gives every page's cursor (so the last page, or the page of a
// find hit, is read directly) and the items holding the words looked for.

import { NotFoundError } from '../../shared/errors.ts';
import type { Handlers } from '../../shared/ipc/contract.ts';
import { MAX_FIND_HITS, type SessionItemView, type SnapshotSessionInfo } from '../../shared/sessions.ts';
import { SessionDb, snapshotFiles } from '../engine/catalog/index.ts';
import type { Repository } from '../engine/repository.ts';
import { pageCursors, readerFor, readPage, type SessionFiles, type SessionItem, type SessionReader, type SessionRef } from '../engine/sessions/index.ts';
import type { SnapshotRecord } from '../engine/vault/index.ts';

type Channels = 'snapshots.session' | 'snapshots.sessionPage' | 'snapshots.sessionScan' | 'snapshots.titles';

export interface SnapshotSessionDeps {
  requireRepo(): Repository;
  findSnapshot(id: string): Promise<SnapshotRecord>;
}

interface Opened {
  snapshot: SnapshotRecord;
  root: string;
  rel: string;
  reader: SessionReader;
  files: SessionFiles;
  refs: SessionRef[];
}

/** The engine's items are the view's items (compile-time check, as in session-handlers). */
const asView = (items: SessionItem[]): SessionItemView[] => items;

/** The text find looks in: what the viewer shows of an item. */
export function findableText(item: SessionItem): string {
  switch (item.kind) {
    case 'message':
    case 'thinking':
      return item.text;
    case 'tool-call':
      return `${item.name}\n${item.summary}\n${item.input}\n${item.result?.text ?? ''}`;
    case 'tool-result':
      return `${item.name ?? ''}\n${item.result.text}`;
    case 'attachment':
    case 'note':
      return `${item.label}\n${item.text}`;
    case 'subagent':
      return `${item.label}\n${item.title ?? ''}`;
    case 'not-shown':
      return item.recordType;
    case 'unreadable':
      return item.reason;
    default: {
      const never: never = item;
      return never;
    }
  }
}

/** The snapshot root a tree path is in (labels may hold slashes: `claude-code/config`) and the path below it. */
function splitPath(snapshot: SnapshotRecord, path: string): { root: string; rel: string; agent?: string } | undefined {
  let best: SnapshotRecord['roots'][number] | undefined;
  for (const r of snapshot.roots) {
    if ((path === r.label || path.startsWith(`${r.label}/`)) && r.label.length > (best?.label.length ?? -1)) best = r;
  }
  if (!best) return undefined;
  return { root: best.label, rel: path.slice(best.label.length + 1), ...(best.agent !== undefined ? { agent: best.agent } : {}) };
}

export function snapshotSessionHandlers(deps: SnapshotSessionDeps): Pick<Handlers, Channels> {
  const cache = new Map<string, Promise<Opened | undefined>>();

  const openFile = (snapshotId: string, path: string): Promise<Opened | undefined> => {
    const key = `${snapshotId}\0${path}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = (async () => {
        const repo = deps.requireRepo();
        const snapshot = await deps.findSnapshot(snapshotId);
        const at = splitPath(snapshot, path);
        const reader = at?.agent && at.rel ? readerFor(at.agent, at.rel) : undefined;
        if (!at || !reader) return undefined;
        const { root, rel } = at;
        await repo.refreshIndex();
        const files = snapshotFiles(repo.reader(), (id) => repo.db.getBlob(id)?.rawLength, snapshot, root, repo.tmpDir);
        const refs = await reader.list(files, rel);
        return { snapshot, root, rel, reader, files, refs };
      })();
      hit.catch(() => cache.delete(key));
      if (cache.size >= 8) cache.delete(cache.keys().next().value as string);
      cache.set(key, hit);
    }
    return hit;
  };

  const openSession = async (snapshotId: string, path: string): Promise<Opened & { ref: SessionRef }> => {
    const o = await openFile(snapshotId, path);
    const ref = o?.refs.length === 1 ? o.refs[0] : undefined;
    if (!o || !ref) throw new NotFoundError(`'${path}' is not a session file Cairn can read. Open it as Raw.`);
    return { ...o, ref };
  };

  return {
    'snapshots.session': async ({ snapshotId, path }) => {
      const o = await openFile(snapshotId, path);
      if (!o) return null;
      const info: SnapshotSessionInfo = { agent: o.reader.agent, format: o.reader.format, sessions: o.refs.length };
      const listed = new SessionDb(deps.requireRepo().db.db).inFolder(o.snapshot.device, o.root, o.rel.includes('/') ? o.rel.slice(0, o.rel.lastIndexOf('/')) : '').find((s) => s.path === o.rel);
      if (listed) {
        info.id = listed.id;
        info.messages = listed.messages;
        info.toolCalls = listed.toolCalls;
        if (listed.title !== undefined) info.title = listed.title;
        if (listed.project !== undefined) info.project = listed.project;
        if (listed.model !== undefined) info.model = listed.model;
        if (listed.startedAt !== undefined) info.startedAt = listed.startedAt;
      }
      return info;
    },
    'snapshots.sessionPage': async ({ snapshotId, path, cursor, limit }) => {
      const o = await openSession(snapshotId, path);
      const page = await readPage(o.reader, o.files, o.ref, { limit, ...(cursor !== undefined ? { cursor } : {}) });
      return { items: asView(page.items), ...(page.next !== undefined ? { next: page.next } : {}), from: 'vault' };
    },
    'snapshots.sessionScan': async ({ snapshotId, path, pageSize, find }) => {
      const o = await openSession(snapshotId, path);
      const hits: number[] = [];
      let capped = false;
      const needle = find?.toLocaleLowerCase();
      const { total, cursors } = await pageCursors(o.reader, o.files, o.ref, {
        pageSize,
        onItem: needle
          ? (item) => {
              if (!findableText(item).toLocaleLowerCase().includes(needle)) return;
              if (hits.length < MAX_FIND_HITS) hits.push(item.seq);
              else capped = true;
            }
          : undefined,
      });
      return { total, cursors, hits, hitsCapped: capped };
    },
    'snapshots.titles': async ({ snapshotId, path }) => {
      const snapshot = await deps.findSnapshot(snapshotId);
      const at = splitPath(snapshot, path);
      if (!at) return {};
      const out: Record<string, string> = {};
      for (const s of new SessionDb(deps.requireRepo().db.db).inFolder(snapshot.device, at.root, at.rel)) if (s.title) out[`${at.root}/${s.path}`] = s.title;
      return out;
    },
  };
}
