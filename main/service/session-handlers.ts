// The Sessions screen's channels: every device's sessions from the catalogs, search over the
// local text index (other devices' sessions indexed from the vault in the background), pages of
// one conversation (never a whole transcript over IPC), continue here, export to Markdown.

import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Handlers } from '../../shared/ipc/contract.ts';
import type { PathMapping } from '../../shared/models.ts';
import type { SessionFilterInput, SessionItemView, SessionSummary } from '../../shared/sessions.ts';
import type { AgentContext } from '../engine/agents/index.ts';
import { continueSession, findSession, indexFromVault, openSession, refreshSessions, SessionDb, sessionMarkdown, sessionPage } from '../engine/catalog/index.ts';
import type { CatalogRow, OpenedSession, SessionFilter } from '../engine/catalog/index.ts';
import { safetySnapshot } from '../engine/operations.ts';
import type { Repository } from '../engine/repository.ts';
import { pageCursors } from '../engine/sessions/index.ts';
import type { SessionItem } from '../engine/sessions/index.ts';

type SessionChannels = 'sessions.list' | 'sessions.search' | 'sessions.page' | 'sessions.scan' | 'sessions.continue' | 'sessions.export';

export interface SessionHandlerDeps {
  requireRepo(): Repository;
  agentContext(): Promise<AgentContext>;
  pathMappings(): readonly PathMapping[];
  /** Something went wrong in the background (indexing): logged, never thrown at the UI. */
  onBackgroundError?(error: unknown): void;
  /** A snapshot record found damaged while refreshing: left out, named in the status. */
  onDamaged?(key: string, error: Error): void;
}

/** The engine's items are the view's items: this fails to compile if the two drift apart. */
const asView = (items: SessionItem[]): SessionItemView[] => items;

export function summaryOf(r: CatalogRow): SessionSummary {
  const s: SessionSummary = {
    key: `${r.agent}:${r.id}`,
    agent: r.agent,
    format: r.format,
    id: r.id,
    messages: r.messages,
    toolCalls: r.toolCalls,
    bytes: r.bytes,
    deviceId: r.device,
    deviceName: r.deviceName,
    deviceIds: r.devices,
  };
  if (r.title !== undefined) s.title = r.title;
  if (r.project !== undefined) s.project = r.project;
  if (r.startedAt !== undefined) s.startedAt = r.startedAt;
  if (r.updatedAt !== undefined) s.updatedAt = r.updatedAt;
  if (r.model !== undefined) s.model = r.model;
  if (r.parentId !== undefined) s.parentId = r.parentId;
  if (r.role !== undefined) s.role = r.role;
  return s;
}

function filterOf(f: SessionFilterInput): SessionFilter {
  const out: SessionFilter = {};
  if (f.agent) out.agent = f.agent;
  if (f.deviceId) out.device = f.deviceId;
  if (f.project) out.project = f.project;
  if (f.since) out.since = new Date(f.since).toISOString();
  if (f.until) out.until = new Date(f.until).toISOString();
  return out;
}

const slug = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'session';

export function sessionHandlers(deps: SessionHandlerDeps): Pick<Handlers, SessionChannels> {
  const sessions = () => new SessionDb(deps.requireRepo().db.db);
  // Opened sessions are kept for paging (resolving one may list the vault's index).
  const opened = new Map<string, OpenedSession>();
  const open = async (agent: string, id: string): Promise<OpenedSession> => {
    const row = findSession(sessions(), id, agent);
    const key = `${row.agent}:${row.id}:${row.digest}`;
    const hit = opened.get(key);
    if (hit) return hit;
    const o = await openSession(deps.requireRepo(), row);
    if (opened.size >= 8) opened.delete(opened.keys().next().value as string);
    opened.set(key, o);
    return o;
  };

  // Other devices' sessions are indexed from the vault in the background, one run at a time.
  let indexing: Promise<void> | undefined;
  const indexInBackground = () => {
    if (indexing) return;
    const repo = deps.requireRepo();
    indexing = (async () => {
      try {
        while ((await indexFromVault(repo, { limit: 50 })) > 0) {
          // Batches, so that what is indexed becomes searchable as it goes.
        }
      } catch (error) {
        deps.onBackgroundError?.(error);
      } finally {
        indexing = undefined;
      }
    })();
  };

  return {
    'sessions.list': async ({ filter, refresh }) => {
      if (refresh) {
        await refreshSessions(deps.requireRepo(), deps.onDamaged);
        indexInBackground();
      }
      return sessions().list(filterOf(filter)).map(summaryOf);
    },
    'sessions.search': async ({ text, filter, limit }) =>
      sessions()
        .search(text, filterOf(filter), limit)
        .map((h) => ({ session: summaryOf(h.session), seq: h.seq, snippet: h.snippet })),
    'sessions.page': async ({ agent, id, cursor, limit }) => {
      const o = await open(agent, id);
      const page = await sessionPage(o, { limit, ...(cursor !== undefined ? { cursor } : {}) });
      return { items: asView(page.items), ...(page.next !== undefined ? { next: page.next } : {}), from: o.from };
    },
    'sessions.scan': async ({ agent, id, pageSize }) => {
      const o = await open(agent, id);
      return pageCursors(o.reader, o.files, o.ref, { pageSize });
    },
    'sessions.continue': async ({ agent, id, replace }) => {
      const repo = deps.requireRepo();
      const row = findSession(sessions(), id, agent);
      return continueSession(repo, row, { ctx: await deps.agentContext(), mappings: deps.pathMappings(), safetySnapshot: (paths) => safetySnapshot(repo, paths), replace: replace === true });
    },
    'sessions.export': async ({ agent, id, folder }) => {
      const o = await open(agent, id);
      const base = `${slug(o.row.title ?? o.row.id)}-${o.row.id.slice(0, 8)}`;
      let path = join(folder, `${base}.md`);
      for (let n = 2; existsSync(path); n++) path = join(folder, `${base}-${n}.md`);
      const out = createWriteStream(path, { flags: 'wx' });
      try {
        for await (const piece of sessionMarkdown(o)) if (!out.write(piece)) await once(out, 'drain');
      } finally {
        out.end();
        await once(out, 'close');
      }
      return { path };
    },
  };
}
