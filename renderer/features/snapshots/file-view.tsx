// One file of a snapshot: a transcript as a conversation (or raw), text with line numbers,
// or a note for binary files; and restoring it.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TreeEntryInfo } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading, Notice } from '../../components/feedback.tsx';
import { Segmented } from '../../components/form.tsx';
import { formatBytes } from '../../lib/format.ts';
import { isTranscriptPath, parseTranscript } from '../../lib/transcript.ts';
import { entryKey, PREVIEW_MAX_BYTES, useSnapshots } from '../../stores/snapshots.ts';
import { SessionViewer } from './session-viewer.tsx';

export function FileView({ snapshotId, entry, onBack, onRestore }: { snapshotId: string; entry: TreeEntryInfo; onBack: () => void; onRestore: () => void }) {
  const preview = useSnapshots((s) => s.previews[entryKey(snapshotId, entry.path)]);
  const readFile = useSnapshots((s) => s.readFile);
  const [mode, setMode] = useState<'conversation' | 'raw'>('conversation');

  useEffect(() => {
    void readFile(snapshotId, entry.path);
  }, [snapshotId, entry.path, readFile]);

  const data = preview?.data;
  const transcript = useMemo(() => (data && !data.binary && isTranscriptPath(entry.path) ? parseTranscript(data.text) : undefined), [data, entry.path]);
  const isConversation = transcript !== undefined && transcript.format !== 'unknown';

  return (
    <div className="file-view" data-testid="file-view" data-path={entry.path}>
      <div className="file-view-bar">
        <Button size="sm" variant="ghost" icon="arrowLeft" onClick={onBack}>
          Files
        </Button>
        <div className="file-view-path" title={entry.path}>
          {entry.path}
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
      {preview?.error && <ErrorNotice error={preview.error} onRetry={() => void readFile(snapshotId, entry.path)} />}
      {(!preview || preview.loading) && <Loading label="Decrypting…" />}
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
      {data && !data.binary && (isConversation && mode === 'conversation' ? <SessionViewer transcript={transcript} /> : <RawText text={data.text} />)}
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
