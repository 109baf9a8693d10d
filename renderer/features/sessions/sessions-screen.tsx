// Sessions: every agent's sessions on every device, newest first and grouped by project, with
// filters and a search over their text (hits highlighted). Opening one shows the conversation a
// page at a time; it can be continued on this machine or exported to Markdown.

import { useEffect, useMemo, useState } from 'react';
import type { SessionHit, SessionSummary, SnippetPart } from '../../../shared/sessions.ts';
import { Button } from '../../components/button.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
import { EmptyState, ErrorNotice, Loading, Notice } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { PageHeader } from '../../components/page.tsx';
import { basename, formatCount, formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/use-now.ts';
import { useUi } from '../../stores/ui.ts';
import { Conversation } from './conversation.tsx';
import { SEARCH_LIMIT, useSessions } from './sessions-store.ts';
import './sessions.css';

const AGENT_NAMES: Record<string, string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'gemini-cli': 'Gemini CLI',
  opencode: 'OpenCode',
  goose: 'Goose',
  cursor: 'Cursor',
  cline: 'Cline',
  aider: 'Aider',
};
export const agentName = (id: string) => AGENT_NAMES[id] ?? id;

/** Rows rendered before "Show more": a long list stays quick to draw. */
const ROWS = 300;

export function Highlighted({ parts }: { parts: readonly SnippetPart[] }) {
  return (
    <>
      {parts.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </>
  );
}

function groupByProject(sessions: readonly SessionSummary[]): { project: string; sessions: SessionSummary[] }[] {
  const groups = new Map<string, SessionSummary[]>();
  for (const s of sessions) {
    const key = s.project ?? '';
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  // Sessions arrive newest first, so groups come in the order of their newest session.
  return [...groups].map(([project, list]) => ({ project, sessions: list }));
}

function SessionRow({ s, selected, onOpen, snippet }: { s: SessionSummary; selected: boolean; onOpen: () => void; snippet?: SessionHit['snippet'] }) {
  const now = useNow();
  return (
    <button type="button" className={`session-row${selected ? ' is-selected' : ''}`} onClick={onOpen} aria-current={selected || undefined} data-session-id={s.id}>
      <span className="session-row-top">
        <span className={`agent-chip agent-${s.agent}`}>{agentName(s.agent)}</span>
        <span className="session-row-title">{s.title ?? s.id}</span>
      </span>
      {snippet && snippet.length > 0 && (
        <span className="session-row-snippet">
          <Highlighted parts={snippet} />
        </span>
      )}
      <span className="session-row-sub">
        {formatRelative(s.updatedAt, now, 'past')} · {s.deviceName}
        {s.deviceIds.length > 1 ? ` +${s.deviceIds.length - 1}` : ''} · {formatCount(s.messages, 'message')}
        {s.role && s.role !== 'main' ? ` · ${s.role}` : ''}
      </span>
    </button>
  );
}

function Filters({ sessions }: { sessions: readonly SessionSummary[] }) {
  const filter = useSessions((s) => s.filter);
  const setFilter = useSessions((s) => s.setFilter);
  const sinceDays = useSessions((s) => s.sinceDays);
  const agents = useMemo(() => [...new Set(sessions.map((s) => s.agent))].sort(), [sessions]);
  const devices = useMemo(() => [...new Map(sessions.flatMap((s) => [[s.deviceId, s.deviceName] as const])).entries()], [sessions]);
  const projects = useMemo(() => [...new Set(sessions.map((s) => s.project).filter((p): p is string => !!p))].sort(), [sessions]);
  return (
    <div className="session-filters" role="group" aria-label="Filters">
      <select aria-label="Agent" value={filter.agent ?? ''} onChange={(e) => void setFilter({ agent: e.target.value || undefined })}>
        <option value="">All agents</option>
        {(filter.agent && !agents.includes(filter.agent) ? [...agents, filter.agent] : agents).map((a) => (
          <option key={a} value={a}>
            {agentName(a)}
          </option>
        ))}
      </select>
      <select aria-label="Device" value={filter.deviceId ?? ''} onChange={(e) => void setFilter({ deviceId: e.target.value || undefined })}>
        <option value="">All devices</option>
        {devices.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
      <select aria-label="Project" value={filter.project ?? ''} onChange={(e) => void setFilter({ project: e.target.value || undefined })}>
        <option value="">All projects</option>
        {(filter.project && !projects.includes(filter.project) ? [...projects, filter.project] : projects).map((p) => (
          <option key={p} value={p}>
            {basename(p) || p}
          </option>
        ))}
      </select>
      {/* Kept in the store, so the choice shown is the one applied when the screen is opened again. */}
      <select aria-label="Updated" value={sinceDays === undefined ? 'any' : String(sinceDays)} onChange={(e) => void useSessions.getState().setSinceDays(e.target.value === 'any' ? undefined : Number(e.target.value))}>
        <option value="any">Any time</option>
        <option value="1">Last 24 hours</option>
        <option value="7">Last 7 days</option>
        <option value="30">Last 30 days</option>
      </select>
    </div>
  );
}

/** A ref callback that focuses its element once per `key` (each newly opened session). */
const focusedFor = new WeakMap<HTMLElement, string>();
function focusOnce(key: string) {
  return (el: HTMLElement | null): void => {
    if (!el || focusedFor.get(el) === key) return;
    focusedFor.set(el, key);
    el.focus({ preventScroll: true });
  };
}

function SessionDetail() {
  const open = useSessions((s) => s.open);
  const continuing = useSessions((s) => s.continuing);
  const continued = useSessions((s) => s.continued);
  const actionError = useSessions((s) => s.actionError);
  const chooseFolder = useUi((s) => s.chooseFolder);
  const toast = useUi((s) => s.toast);
  const now = useNow();
  if (!open) {
    return (
      <div className="session-detail is-empty">
        <EmptyState icon="search" title="Pick a session">
          Every session of every agent, on every device — open one to read it, continue it here or export it.
        </EmptyState>
      </div>
    );
  }
  const s = open.session;
  const exportIt = async () => {
    const folder = await chooseFolder('Export the session to…');
    if (!folder) return;
    const path = await useSessions.getState().exportMarkdown(folder);
    if (path) toast(`Exported to ${path}`, 'success');
  };
  return (
    <section className="session-detail" aria-label="Conversation">
      <header className="session-detail-header">
        <div className="session-detail-heading">
          {/* Focus follows what opened (Enter on a row, a search hit): keyboard users land here, not on <body>. */}
          <h2 className="session-detail-title" tabIndex={-1} ref={focusOnce(s.id)}>
            {s.title ?? s.id}
          </h2>
          <div className="session-detail-meta">
            <span className={`agent-chip agent-${s.agent}`}>{agentName(s.agent)}</span>
            <span>{s.project ?? 'no project'}</span>
            <span>
              {s.deviceName} · {formatRelative(s.updatedAt, now, 'past')}
            </span>
            {s.model && <span>{s.model}</span>}
            <span>
              {formatCount(s.messages, 'message')}, {formatCount(s.toolCalls, 'tool call')}
            </span>
          </div>
        </div>
        <div className="session-detail-actions">
          <Button variant="primary" icon="terminal" busy={continuing} onClick={() => void useSessions.getState().continueHere()}>
            Continue on this machine
          </Button>
          <Button icon="download" onClick={() => void exportIt()}>
            Export Markdown
          </Button>
        </div>
      </header>
      {actionError?.code === 'conflict' ? (
        // This machine's copy was continued here too: replacing it is asked for, never done unasked.
        <div data-testid="continue-diverged">
          <Notice tone="warning" title="This machine’s copy has changes of its own">
            <p className="small">
              The copy of this session on this machine has changes that {s.deviceName}’s doesn’t: it was continued here too. Nothing was written. Replacing it puts {s.deviceName}’s version in its place and keeps this machine’s copy in a safety snapshot (Snapshots).
            </p>
            <div className="notice-actions">
              <Button variant="danger" busy={continuing} onClick={() => void useSessions.getState().continueHere(true)}>
                Replace this machine’s copy
              </Button>
              <Button onClick={() => useSessions.setState({ actionError: undefined })}>Keep this machine’s copy</Button>
            </div>
          </Notice>
        </div>
      ) : (
        actionError && <ErrorNotice error={actionError} compact />
      )}
      {continued && (
        <Notice tone="success" icon="check" title={continued.written.length + continued.replaced.length > 0 ? `Restored ${formatCount(continued.written.length + continued.replaced.length, 'file')} into this machine’s agent folder` : 'The session is already on this machine'}>
          {continued.command ? (
            <div className="resume-command">
              <code>{continued.command}</code>
              <CopyButton text={continued.command} label="Copy command" />
            </div>
          ) : (
            <p className="resume-how-to">{continued.howTo}</p>
          )}
          {continued.written.length + continued.replaced.length > 0 && (
            <ul className="continue-files" aria-label="Files restored">
              {[...continued.written, ...continued.replaced].slice(0, 3).map((f) => (
                <li key={f} className="break mono small">
                  {f}
                </li>
              ))}
              {continued.written.length + continued.replaced.length > 3 && <li>and {formatCount(continued.written.length + continued.replaced.length - 3, 'more file')}</li>}
            </ul>
          )}
          {continued.replaced.length > 0 && <p>The local copy it replaced is in a safety snapshot.</p>}
          {continued.notes.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </Notice>
      )}
      <Conversation open={open} assistant={agentName(s.agent)} />
    </section>
  );
}

export function SessionsScreen() {
  const sessions = useSessions((s) => s.sessions);
  const loading = useSessions((s) => s.loading);
  const error = useSessions((s) => s.error);
  const query = useSessions((s) => s.query);
  const hits = useSessions((s) => s.hits);
  const searching = useSessions((s) => s.searching);
  const open = useSessions((s) => s.open);
  const [text, setText] = useState(query);
  const [rows, setRows] = useState(ROWS);

  useEffect(() => {
    void useSessions.getState().load(true);
  }, []);

  // Search as the user types, once they pause.
  useEffect(() => {
    const t = setTimeout(() => void useSessions.getState().search(text), 200);
    return () => clearTimeout(t);
  }, [text]);

  const groups = useMemo(() => groupByProject((sessions ?? []).slice(0, rows)), [sessions, rows]);
  const openKey = open?.session.key;
  const openOne = (s: SessionSummary, seq?: number) => void useSessions.getState().openSession(s, seq);

  return (
    <div className="page page-full">
      <PageHeader
        title="Sessions"
        subtitle={
          hits && !searching
            ? hits.length >= SEARCH_LIMIT
              ? `The ${SEARCH_LIMIT} sessions that best match “${query}” — add words to narrow it down`
              : `${formatCount(hits.length, 'session')} ${hits.length === 1 ? 'mentions' : 'mention'} “${query}”`
            : sessions
              ? `${formatCount(sessions.length, 'session')} across ${formatCount(new Set(sessions.flatMap((s) => s.deviceIds)).size, 'device')}`
              : 'Every agent’s sessions on every device.'
        }
        actions={
          <Button icon="sync" busy={loading} onClick={() => void useSessions.getState().load(true)}>
            Refresh
          </Button>
        }
      />
      {error && <ErrorNotice error={error} onRetry={() => void useSessions.getState().load(true)} />}
      <div className="sessions-layout">
        <div className="sessions-side">
          <label className="session-search">
            <Icon name="search" />
            <input type="search" placeholder="Search sessions: words, “a phrase”, prefix*" aria-label="Search sessions" value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <Filters sessions={sessions ?? []} />
          <div className="session-list" aria-label={hits ? 'Search results' : 'Sessions'} aria-busy={searching || loading}>
            {!sessions && loading && <Loading label="Reading every device’s catalog…" />}
            {hits && hits.length === 0 && !searching && <p className="session-list-empty">No session mentions “{query}”.</p>}
            {hits && hits.map((h) => <SessionRow key={h.session.key} s={h.session} snippet={h.snippet} selected={openKey === h.session.key} onOpen={() => openOne(h.session, h.seq)} />)}
            {!hits && sessions && sessions.length === 0 && (
              <EmptyState icon="bot" title="No sessions yet">
                Sessions appear here after a backup of an agent that has some, from this or any other device.
              </EmptyState>
            )}
            {!hits &&
              groups.map((g) => (
                <section key={g.project} className="session-group" aria-label={g.project || 'No project'}>
                  <h3 className="session-group-title" title={g.project}>
                    <Icon name="folder" size={14} /> {basename(g.project) || 'No project'}
                    <span className="session-group-path">{g.project}</span>
                  </h3>
                  {g.sessions.map((s) => (
                    <SessionRow key={s.key} s={s} selected={openKey === s.key} onOpen={() => openOne(s)} />
                  ))}
                </section>
              ))}
            {!hits && sessions && sessions.length > rows && (
              <Button size="sm" onClick={() => setRows(rows + ROWS)}>
                Show more ({sessions.length - rows} left)
              </Button>
            )}
          </div>
        </div>
        <SessionDetail />
      </div>
    </div>
  );
}
