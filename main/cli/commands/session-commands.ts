// sessions, show, continue: every agent's sessions on every device, found by metadata or text,
// read as a conversation or Markdown, and continued on this machine.

import { ConfigError } from '../../../shared/errors.ts';
import { continueSession, findSession, indexFromVault, itemMarkdown, markdownHeader, openSession, refreshSessions, SessionDb, sessionMarkdown, sessionPage } from '../../engine/catalog/index.ts';
import type { CatalogRow, SearchHit, SessionFilter } from '../../engine/catalog/index.ts';
import { safetySnapshot } from '../../engine/operations.ts';
import type { Repository } from '../../engine/repository.ts';
import { AGENT_IDS } from '../../engine/agents/index.ts';
import { withRepository, agentContext, appChoices, withAppMappings } from '../context.ts';
import { parseMappings } from '../local-paths.ts';
import type { CommonOptions } from '../context.ts';
import { makeOutput, table, warnDamaged } from '../output.ts';

interface FilterOptions {
  agent?: string;
  device?: string;
  project?: string;
  since?: string;
  until?: string;
}

async function filterOf(repo: Repository, opts: FilterOptions): Promise<SessionFilter> {
  const filter: SessionFilter = {};
  if (opts.agent) {
    // An unknown name matched nothing, and the list said "No sessions. Back up an agent first".
    if (!AGENT_IDS.includes(opts.agent)) throw new ConfigError(`'${opts.agent}' is not an agent Cairn knows. Use one of: ${AGENT_IDS.join(', ')}.`);
    filter.agent = opts.agent;
  }
  if (opts.device) filter.device = await repo.resolveDevice(opts.device);
  if (opts.project) filter.project = opts.project;
  for (const key of ['since', 'until'] as const) {
    const v = opts[key];
    if (v === undefined) continue;
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new ConfigError(`--${key} takes a date such as 2026-11-30 or 2026-11-30T14:00:00Z; got '${v}'.`);
    filter[key] = new Date(t).toISOString();
  }
  return filter;
}

const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) : '');
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * How each id is shown: its first 12 characters, or as many more as it takes to tell it from
 * every other id in the catalog (what `cairn show` and `continue` take as a prefix; SQLite's LIKE
 * ignores ASCII case, so this does too), and the whole id when no shorter prefix can.
 */
export function shortIds(all: readonly string[], min = 12): (id: string) => string {
  const sorted = [...new Set(all.map((id) => id.toLowerCase()))].sort();
  const shared = (a: string | undefined, b: string) => {
    let n = 0;
    while (a !== undefined && n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const needed = new Map<string, number>();
  sorted.forEach((id, i) => needed.set(id, Math.max(min, shared(sorted[i - 1], id) + 1, shared(sorted[i + 1], id) + 1)));
  return (id) => {
    const n = needed.get(id.toLowerCase()) ?? min;
    // A prefix one short of the id is as wide as the id with its ellipsis: show the id.
    return n < id.length - 1 ? `${id.slice(0, n)}…` : id;
  };
}

const HEADER = ['SESSION', 'AGENT', 'UPDATED', 'DEVICE', 'PROJECT', 'MSGS', 'TITLE'];

function sessionRow(s: CatalogRow, short: (id: string) => string): string[] {
  return [short(s.id), s.agent, when(s.updatedAt), s.deviceName, cut(s.project ?? '', 28), String(s.messages), cut(s.title ?? '', 48)];
}

export async function sessionsCommand(opts: CommonOptions & FilterOptions & { search?: string; limit?: string }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    await refreshSessions(repo, warnDamaged(out));
    const sessions = new SessionDb(repo.db.db);
    const filter = await filterOf(repo, opts);
    const short = shortIds(sessions.ids());
    const limit = opts.limit === undefined ? undefined : Number(opts.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new ConfigError(`--limit takes a whole number above 0; got '${opts.limit}'.`);
    if (opts.search !== undefined) {
      // Other devices' sessions are searchable once their text is indexed here: catch up first.
      await indexFromVault(repo, { limit: 100_000, onProgress: (done, total) => out.progress({ phase: 'indexing sessions', filesDone: done, filesTotal: total, bytesDone: 0, uploadedBytes: 0 }) });
      out.endProgress();
      const hits = sessions.search(opts.search, filter, limit ?? 50);
      const text = (h: SearchHit) => h.snippet.map((p) => (p.hit ? `[${p.text}]` : p.text)).join('').replace(/\s+/g, ' ').trim();
      out.result(
        hits.map((h) => ({ ...h.session, seq: h.seq, snippet: h.snippet })),
        () => {
          if (hits.length === 0) return `No session matches '${opts.search}'.`;
          // One table, so the hits' columns line up; each hit's snippet under its row.
          const rows = table([HEADER, ...hits.map((h) => sessionRow(h.session, short))]).split('\n');
          return [rows[0], ...hits.map((h, i) => `${rows[i + 1]}\n    ${text(h)}`)].join('\n');
        },
      );
      return;
    }
    const list = sessions.list(filter).slice(0, limit);
    out.result(list, () =>
      list.length === 0
        ? Object.keys(filter).length > 0
          ? 'No session matches these filters.'
          : 'No sessions. Back up an agent with sessions first (cairn backup), on this or another device.'
        : table([HEADER, ...list.map((s) => sessionRow(s, short))]),
    );
    // Reading sessions writes nothing to the vault: a first look from a new machine registered it
    // as a device with no snapshots, in every device's list, for good.
  }, { readOnly: true });
}

export async function showCommand(id: string, opts: CommonOptions & { agent?: string; markdown?: boolean }): Promise<void> {
  await withRepository(opts, async (repo) => {
    await refreshSessions(repo, warnDamaged(makeOutput(opts.json ?? false)));
    const row = findSession(new SessionDb(repo.db.db), id, opts.agent);
    const opened = await openSession(repo, row);
    if (opts.json) {
      // One JSON document: the session and its items, read page by page.
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await sessionPage(opened, { cursor, limit: 500 });
        items.push(...page.items);
        cursor = page.next;
      } while (cursor);
      process.stdout.write(`${JSON.stringify({ session: row, items })}\n`);
      return;
    }
    if (opts.markdown) {
      for await (const piece of sessionMarkdown(opened)) process.stdout.write(piece);
      return;
    }
    process.stdout.write(markdownHeader(row));
    let cursor: string | undefined;
    do {
      const page = await sessionPage(opened, { cursor, limit: 200 });
      for (const item of page.items) if (item.kind !== 'not-shown') process.stdout.write(`\n${itemMarkdown(item)}`);
      cursor = page.next;
    } while (cursor);
  }, { readOnly: true });
}


export async function continueCommand(id: string, opts: CommonOptions & { agent?: string; map?: string[]; replace?: boolean }): Promise<void> {
  const out = makeOutput(opts.json ?? false);
  await withRepository(opts, async (repo) => {
    await refreshSessions(repo, warnDamaged(out));
    const row = findSession(new SessionDb(repo.db.db), id, opts.agent);
    const ctx = await agentContext(opts);
    const result = await continueSession(repo, row, { ctx, mappings: withAppMappings(parseMappings(opts.map), appChoices(opts)), safetySnapshot: (paths) => safetySnapshot(repo, paths), replace: opts.replace === true });
    out.result({ session: row, ...result }, () =>
      [
        result.written.length + result.replaced.length === 0 ? `The session's files are already here (${result.unchanged.length}).` : `Restored ${result.written.length + result.replaced.length} file(s) of ${row.agent} session ${row.id} from ${row.deviceName}.`,
        ...result.replaced.map((f) => `  replaced ${f} (the local version is in a safety snapshot)`),
        ...result.notes.map((n) => `  ${n}`),
        '',
        ...(result.command ? ['Continue it with:', `  ${result.command}`] : [result.howTo ?? '']),
      ].join('\n'),
    );
  });
}
