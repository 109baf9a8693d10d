// One session's items as a conversation: messages as bubbles, thinking and tool calls folded,
// notes and records not shown as quiet lines. Pages come from main as the user reaches the end.

import { useEffect, useRef } from 'react';
import type { SessionItemView } from '../../../shared/sessions.ts';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { formatTime } from '../../lib/format.ts';
import { useSessions, type OpenSession } from './sessions-store.ts';

function Item({ item, hit }: { item: SessionItemView; hit: boolean }) {
  const cls = hit ? ' is-hit' : '';
  switch (item.kind) {
    case 'message':
      return (
        <div className={`msg msg-${item.role}${cls}`} data-seq={item.seq}>
          <div className="msg-head">
            <Icon name={item.role === 'user' ? 'user' : 'bot'} size={14} /> {item.role === 'user' ? 'You' : 'Assistant'}
            {item.time && <span className="msg-time">{formatTime(item.time)}</span>}
          </div>
          <div className="msg-text">
            <Markdown text={item.text} />
          </div>
        </div>
      );
    case 'thinking':
      return (
        <details className={`fold fold-thinking${cls}`} data-seq={item.seq}>
          <summary>
            <Icon name="thought" size={14} /> Thinking
          </summary>
          <pre>{item.text}</pre>
        </details>
      );
    case 'tool-call':
      return (
        <details className={`fold fold-tool${item.result?.isError ? ' is-error' : ''}${cls}`} data-seq={item.seq}>
          <summary>
            <Icon name="tool" size={14} /> <strong>{item.name}</strong> <span className="fold-summary">{item.summary}</span>
          </summary>
          <pre>{item.input}</pre>
          {item.result && <pre className="fold-result">{item.result.text}</pre>}
        </details>
      );
    case 'tool-result':
      return (
        <details className={`fold fold-tool${item.result.isError ? ' is-error' : ''}${cls}`} data-seq={item.seq}>
          <summary>
            <Icon name="tool" size={14} /> Result{item.name ? ` of ${item.name}` : ''}
          </summary>
          <pre className="fold-result">{item.result.text}</pre>
        </details>
      );
    case 'attachment':
      return (
        <details className={`fold${cls}`} data-seq={item.seq}>
          <summary>
            <Icon name="file" size={14} /> {item.label}
          </summary>
          <pre>{item.text}</pre>
        </details>
      );
    case 'note':
      return (
        <div className={`note-line${cls}`} data-seq={item.seq}>
          {item.label}
          {item.text ? `: ${item.text}` : ''}
        </div>
      );
    case 'subagent':
      return (
        <div className={`note-line${cls}`} data-seq={item.seq}>
          <Icon name="layers" size={12} /> Sub-agent {item.label}: {item.title ?? item.sessionId}
        </div>
      );
    case 'not-shown':
      return (
        <div className="note-line is-quiet" data-seq={item.seq}>
          not shown: {item.recordType}
        </div>
      );
    case 'unreadable':
      return (
        <div className="note-line is-danger" data-seq={item.seq}>
          unreadable: {item.reason}
        </div>
      );
    default: {
      const never: never = item;
      return never;
    }
  }
}

export function Conversation({ open }: { open: OpenSession }) {
  const end = useRef<HTMLDivElement>(null);
  const more = useSessions((s) => s.more);
  // The next page loads when the end of what is shown scrolls into view.
  useEffect(() => {
    const el = end.current;
    // Without IntersectionObserver (tests, old engines) the Load more button does it.
    if (!el || !open.next || open.loading || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void more();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [open.next, open.loading, more]);

  return (
    <div className="conversation" data-from={open.from}>
      {open.items.map((item) => (
        <Item key={item.seq} item={item} hit={open.hitSeq !== undefined && item.seq === open.hitSeq} />
      ))}
      {open.error && <ErrorNotice error={open.error} compact onRetry={() => void more()} />}
      {open.loading && <Loading label={open.items.length === 0 ? 'Opening the session…' : 'Loading more…'} />}
      <div ref={end} />
      {open.next && !open.loading && (
        <Button size="sm" onClick={() => void more()}>
          Load more
        </Button>
      )}
    </div>
  );
}
