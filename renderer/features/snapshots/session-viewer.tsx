// A Claude Code or Codex transcript read as a conversation: the user's turns, the assistant's
// replies, tool calls folded with their output, thinking folded, and any line that could not be
// read shown as such in its place. Long sessions are virtualised with measured row heights.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { Icon } from '../../components/icon.tsx';
import { formatDateTime, formatTime } from '../../lib/format.ts';
import { parseTranscript, type Transcript, type TranscriptItem } from '../../lib/transcript.ts';

const FORMAT_NAMES = { 'claude-code': 'Claude Code', codex: 'Codex', unknown: 'JSONL' } as const;
const ASSISTANT_NAMES = { 'claude-code': 'Claude', codex: 'Codex', unknown: 'Assistant' } as const;

export function SessionViewer({ text, transcript: given }: { text?: string; transcript?: Transcript }) {
  const transcript = useMemo(() => given ?? parseTranscript(text ?? ''), [given, text]);
  const [showNotes, setShowNotes] = useState(false);
  const items = useMemo(() => (showNotes ? transcript.items : transcript.items.filter((i) => i.kind !== 'note' || i.label === 'Summary')), [transcript, showNotes]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 96,
    overscan: 6,
  });

  const counts = useMemo(() => {
    let messages = 0;
    let tools = 0;
    for (const i of transcript.items) {
      if (i.kind === 'message') messages += 1;
      else if (i.kind === 'tool') tools += 1;
    }
    return { messages, tools };
  }, [transcript]);
  const noteCount = transcript.items.filter((i) => i.kind === 'note' && i.label !== 'Summary').length;

  return (
    <div className="session" data-testid="session-viewer" data-format={transcript.format}>
      <div className="session-meta">
        <span className="badge badge-accent">{FORMAT_NAMES[transcript.format]}</span>
        {transcript.title && <span className="session-title">{transcript.title}</span>}
        <span className="session-facts">
          {transcript.startedAt && <span>{formatDateTime(transcript.startedAt)}</span>}
          {transcript.model && <span>{transcript.model}</span>}
          {transcript.cwd && <span className="mono">{transcript.cwd}</span>}
          <span>
            {counts.messages} messages · {counts.tools} tool calls
          </span>
          {transcript.malformedCount > 0 && (
            <span className="session-malformed-count" data-testid="malformed-count">
              <Icon name="alert" size={12} /> {transcript.malformedCount} unreadable {transcript.malformedCount === 1 ? 'line' : 'lines'}
            </span>
          )}
        </span>
        {noteCount > 0 && (
          <button type="button" className="link-button" onClick={() => setShowNotes((v) => !v)} aria-pressed={showNotes}>
            {showNotes ? 'Hide' : 'Show'} context ({noteCount})
          </button>
        )}
      </div>
      {items.length === 0 ? (
        <div className="session-empty">This session has no messages yet.</div>
      ) : (
        <div ref={scrollRef} className="session-scroll" role="log" aria-label="Conversation">
          <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => {
              const item = items[v.index];
              if (!item) return null;
              return (
                <div key={v.key} ref={virtualizer.measureElement} data-index={v.index} className="virtual-row session-row" style={{ transform: `translateY(${v.start}px)` }}>
                  <Item item={item} assistant={ASSISTANT_NAMES[transcript.format]} />
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

function Item({ item, assistant }: { item: TranscriptItem; assistant: string }) {
  switch (item.kind) {
    case 'message':
      return (
        <div className={`msg msg-${item.role}`} data-kind={`message-${item.role}`}>
          <div className="msg-head">
            <span className={`msg-avatar msg-avatar-${item.role}`} aria-hidden="true">
              <Icon name={item.role === 'user' ? 'user' : 'sparkle'} size={13} />
            </span>
            <span className="msg-author">{item.role === 'user' ? 'You' : assistant}</span>
            {item.time && <span className="msg-time">{formatTime(item.time)}</span>}
          </div>
          <div className="msg-body">
            <RichText text={item.text} />
          </div>
        </div>
      );
    case 'thinking':
      return (
        <details className="fold fold-thinking" data-kind="thinking">
          <summary>
            <Icon name="thought" size={13} /> Thinking
          </summary>
          <div className="fold-body prose-muted">{item.text}</div>
        </details>
      );
    case 'tool':
      return (
        <details className={`fold fold-tool${item.result?.isError ? ' is-error' : ''}`} data-kind="tool">
          <summary>
            <Icon name="terminal" size={13} />
            <span className="tool-name">{item.name}</span>
            <span className="tool-summary">{item.summary}</span>
            {item.result && <span className={`tool-status${item.result.isError ? ' is-error' : ''}`}>{item.result.isError ? 'error' : 'done'}</span>}
          </summary>
          <div className="fold-body">
            {item.input && (
              <>
                <div className="fold-label">Input</div>
                <Clipped text={item.input} />
              </>
            )}
            {item.result && (
              <>
                <div className="fold-label">Output</div>
                <Clipped text={item.result.text || '(no output)'} />
              </>
            )}
          </div>
        </details>
      );
    case 'tool-result':
      return (
        <details className={`fold fold-tool${item.result.isError ? ' is-error' : ''}`} data-kind="tool-result">
          <summary>
            <Icon name="terminal" size={13} /> Tool output
          </summary>
          <div className="fold-body">
            <Clipped text={item.result.text} />
          </div>
        </details>
      );
    case 'note':
      return (
        <div className="note-line" data-kind="note">
          <span className="note-label">{item.label}</span>
          <span className="note-text">{item.text.length > 300 ? `${item.text.slice(0, 300)}…` : item.text}</span>
        </div>
      );
    case 'malformed':
      return (
        <div className="malformed" data-kind="malformed" role="note">
          <div className="malformed-head">
            <Icon name="alert" size={13} />
            Line {item.line} could not be read: {item.reason}
          </div>
          <code className="malformed-raw">{item.raw.length > 400 ? `${item.raw.slice(0, 400)}…` : item.raw}</code>
        </div>
      );
  }
}

const CLIP = 4000;

function Clipped({ text }: { text: string }) {
  const [all, setAll] = useState(false);
  const long = text.length > CLIP;
  return (
    <>
      <pre className="code-block">{all || !long ? text : `${text.slice(0, CLIP)}…`}</pre>
      {long && (
        <button type="button" className="link-button" onClick={() => setAll((v) => !v)}>
          {all ? 'Show less' : `Show all ${text.length.toLocaleString('en-US')} characters`}
        </button>
      )}
    </>
  );
}

/** Plain text with fenced code blocks and inline `code`; no HTML is ever interpreted. */
function RichText({ text }: { text: string }) {
  const parts = text.split(/```/);
  return (
    <>
      {parts.map((part, i) => {
        if (i % 2 === 1) {
          const newline = part.indexOf('\n');
          const body = newline >= 0 ? part.slice(newline + 1) : part;
          return (
            <pre key={i} className="code-block">
              {body.replace(/\n$/, '')}
            </pre>
          );
        }
        if (!part.trim()) return null;
        return (
          <p key={i} className="prose">
            {part
              .trim()
              .split(/(`[^`\n]+`)/)
              .map((seg, j) => (seg.startsWith('`') && seg.endsWith('`') && seg.length > 2 ? <code key={j}>{seg.slice(1, -1)}</code> : seg))}
          </p>
        );
      })}
    </>
  );
}
