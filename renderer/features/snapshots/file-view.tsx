// One file of a snapshot: a transcript as a conversation (read in pages by main's session
// readers; or raw), text with line numbers, or a note for binary files; and restoring it. The
// view takes focus when it opens (Enter on a tree row keeps the keyboard here).

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TreeEntryInfo } from '../../../shared/models.ts';
import type { SnapshotSessionInfo } from '../../../shared/sessions.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading, Notice } from '../../components/feedback.tsx';
import { Segmented } from '../../components/form.tsx';
import { formatBytes } from '../../lib/format.ts';
import { entryKey, PREVIEW_MAX_BYTES, useSnapshots } from '../../stores/snapshots.ts';
import { TranscriptView } from './transcript-view.tsx';

type SessionState = { state: 'asking' } | { state: 'done'; info: SnapshotSessionInfo | null } | { state: 'error'; error: ErrorRecord };

export function FileView({ snapshotId, entry, onBack, onRestore }: { snapshotId: string; entry: TreeEntryInfo; onBack: () => void; onRestore: () => void }) {
  const preview = useSnapshots((s) => s.previews[entryKey(snapshotId, entry.path)]);
  const title = useSnapshots((s) => s.titles[entryKey(snapshotId, entry.path)]);
  const readFile = useSnapshots((s) => s.readFile);
  const [mode, setMode] = useState<'conversation' | 'raw'>('conversation');
  const [session, setSession] = useState<SessionState>({ state: 'asking' });
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    root.current?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    let live = true;
    setSession({ state: 'asking' });
    void useSnapshots
      .getState()
      .sessionInfo(snapshotId, entry.path)
      .then((r) => live && setSession(r.ok ? { state: 'done', info: r.value } : { state: 'error', error: r.error }));
    return () => {
      live = false;
    };
  }, [snapshotId, entry.path]);

  const info = session.state === 'done' && session.info?.sessions === 1 ? session.info : undefined;
  const isConversation = info !== undefined;
  const wantsText = session.state !== 'asking' && (!isConversation || mode === 'raw');

  useEffect(() => {
    if (wantsText) void readFile(snapshotId, entry.path);
  }, [wantsText, snapshotId, entry.path, readFile]);

  const data = wantsText ? preview?.data : undefined;

  return (
    <div className="file-view" data-testid="file-view" data-path={entry.path} ref={root} tabIndex={-1} aria-label={info?.title ?? title ?? entry.name}>
      <div className="file-view-bar">
        <Button size="sm" variant="ghost" icon="arrowLeft" onClick={onBack}>
          Files
        </Button>
        <div className="file-view-path" title={entry.path}>
          {info?.title ?? title ?? entry.path}
        </div>
        <span className="file-view-size">{formatBytes(entry.size)}</span>
        {isConversation && (
          <Segmented
            label="View as"
            value={mode}
            onChange={setMode}
            options={[
              { value: 'conversation', label: 'Conversation' },
              { value: 'raw', label: 'Raw' },
            ]}
          />
        )}
        <Button size="sm" icon="restore" onClick={onRestore}>
          Restore…
        </Button>
      </div>
      {session.state === 'error' && <ErrorNotice error={session.error} compact />}
      {session.state === 'done' && session.info && session.info.sessions > 1 && (
        <Notice tone="info">This file holds {session.info.sessions} sessions. Find them on the Sessions screen.</Notice>
      )}
      {isConversation && mode === 'conversation' && <TranscriptView snapshotId={snapshotId} path={entry.path} info={info} />}
      {wantsText && preview?.error && <ErrorNotice error={preview.error} onRetry={() => void readFile(snapshotId, entry.path)} />}
      {(session.state === 'asking' || (wantsText && (!preview || preview.loading))) && <Loading label="Decrypting…" />}
      {data?.truncated && (
        <Notice tone="info">
          Showing the first {formatBytes(PREVIEW_MAX_BYTES)} of {formatBytes(data.size)}. Restore the file to read all of it.
        </Notice>
      )}
      {data?.binary && (
        <EmptyState icon="file" title="Binary file" action={<Button onClick={onRestore}>Restore it</Button>}>
          {formatBytes(data.size)} of data that isn’t text — a database or an image. Restore it to open it with its app.
        </EmptyState>
      )}
      {data && !data.binary && <RawText text={data.text} />}
    </div>
  );
}

const LINE_HEIGHT = 20;

function RawText({ text }: { text: string }) {
  const lines = useMemo(() => text.split(/\r?\n/), [text]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => scrollRef.current, estimateSize: () => LINE_HEIGHT, overscan: 20 });
  if (!text) return <EmptyState icon="file" title="Empty file" />;
  const gutter = String(lines.length).length;
  return (
    <div ref={scrollRef} className="raw-scroll" tabIndex={0} aria-label="File contents">
      <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => (
          <div key={v.key} className="virtual-row raw-line" style={{ transform: `translateY(${v.start}px)`, height: LINE_HEIGHT }}>
            <span className="raw-gutter" style={{ width: `${gutter + 1}ch` }} aria-hidden="true">
              {v.index + 1}
            </span>
            <span className="raw-text">{lines[v.index]}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
