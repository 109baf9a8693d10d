// One item of a session (a message, a folded tool call or thinking block, a note) as a row of a
// virtual list, shared by the snapshot browser's transcript view and the Sessions screen's
// conversation: the same rendering, the same height estimate before a row is measured, and the
// same measuring rule. Long tool inputs and outputs are clipped (CLIP characters) until asked for.

import { memo, useState } from 'react';
import type { Virtualizer } from '@tanstack/react-virtual';
import type { SessionItemView } from '../../shared/sessions.ts';
import { formatTime } from '../lib/format.ts';
import { Icon } from './icon.tsx';
import { Markdown } from './markdown.tsx';

/** Height of a row whose page isn't loaded yet. */
export const UNKNOWN_ROW = 120;

/**
 * A row's height before it is measured, from what it holds: a message's lines at the column's
 * width (about 95 characters of 14 px text in 730 px, 22 px a line) and its paragraphs; a folded
 * tool call or thinking block is its summary line.
 */
export function estimateRow(item: SessionItemView | undefined): number {
  if (!item) return UNKNOWN_ROW;
  switch (item.kind) {
    case 'message': {
      let lines = 0;
      let blocks = 0;
      for (const line of item.text.split('\n')) {
        if (line.trim() === '') blocks += 1;
        else lines += Math.ceil(line.length / 95);
      }
      return 12 + 30 + (item.role === 'user' ? 18 : 0) + lines * 22 + blocks * 8;
    }
    case 'note':
    case 'subagent':
    case 'not-shown':
      return 40;
    case 'unreadable':
      return 90;
    default:
      return 48;
  }
}

/** A row's height: the ResizeObserver's, else what is known (measured before, or estimated). */
export function measureRow(el: Element, entry: ResizeObserverEntry | undefined, v: Virtualizer<HTMLDivElement, Element>): number {
  const box = entry?.borderBoxSize?.[0];
  if (box) return Math.round(box.blockSize);
  const index = v.indexFromElement(el);
  return v.itemSizeCache.get(v.options.getItemKey(index)) ?? v.options.estimateSize(index);
}

/** How far a run of records not shown is looked through for its line. */
const RUN_LOOKAHEAD = 200;

/**
 * What a record not shown says. Records not shown come in runs (a Codex rollout's event
 * records, OpenCode's step markers: half the rows of the real samples), so a run is one line:
 * the run's first row names every type in it (as far as its items are loaded), the others are
 * folded into it (`undefined`: an empty row of no height).
 */
export function notShownLine(itemAt: (index: number) => SessionItemView | undefined, index: number): string | undefined {
  if (folded(itemAt, index)) return undefined;
  const types = new Set<string>();
  let n = 0;
  for (let it = itemAt(index); it?.kind === 'not-shown' && n < RUN_LOOKAHEAD; it = itemAt(index + ++n)) types.add(it.recordType);
  const names = [...types].join(', ');
  return n > 1 ? `${n}${n === RUN_LOOKAHEAD ? '+' : ''} records (${names})` : names;
}

/** A record not shown right after another: folded into the run's first line. */
function folded(itemAt: (index: number) => SessionItemView | undefined, index: number): boolean {
  return itemAt(index)?.kind === 'not-shown' && itemAt(index - 1)?.kind === 'not-shown';
}

/**
 * A row's height before it is measured: a record folded into the run before it has none; the
 * agent's name over a turn adds its line, and a message that goes on with such a turn drops its own.
 */
export function estimateAt(itemAt: (index: number) => SessionItemView | undefined, index: number): number {
  if (folded(itemAt, index)) return 0;
  const head = startsAgentTurn(itemAt, index) ? AGENT_HEAD : continuesAgentTurn(itemAt, index) ? -AGENT_HEAD : 0;
  return estimateRow(itemAt(index)) + head;
}

/** Height of the agent's name over a turn that opens with a tool call or thinking. */
const AGENT_HEAD = 30;

/** How far back past attachments and records not shown a row looks for who spoke last. */
const SPEAKER_LOOKBACK = 20;

/**
 * A tool call or thinking block that follows the user's message with no message of the agent's
 * between them (Gemini CLI records a call with no text, Codex a reasoning step or a call before
 * it answers): the agent's turn starts here, and the row says so — without it, the call reads as
 * the user's.
 */
export function startsAgentTurn(itemAt: (index: number) => SessionItemView | undefined, index: number): boolean {
  const item = itemAt(index);
  if (item?.kind !== 'tool-call' && item?.kind !== 'thinking') return false;
  for (let i = index - 1; i >= 0 && i >= index - SPEAKER_LOOKBACK; i--) {
    const before = itemAt(i);
    if (before?.kind === 'attachment' || before?.kind === 'not-shown') continue;
    return before?.kind === 'message' && before.role === 'user';
  }
  return false;
}

/**
 * The agent's first message in a turn that opened with its name over a tool call or thinking
 * (startsAgentTurn), with only its calls, thinking and their output between: the name is already
 * over the turn, so the message doesn't repeat it.
 */
export function continuesAgentTurn(itemAt: (index: number) => SessionItemView | undefined, index: number): boolean {
  const item = itemAt(index);
  if (item?.kind !== 'message' || item.role !== 'assistant') return false;
  for (let i = index - 1; i >= 0 && i >= index - SPEAKER_LOOKBACK; i--) {
    const before = itemAt(i);
    if (before?.kind === 'attachment' || before?.kind === 'not-shown' || before?.kind === 'tool-result') continue;
    if (before?.kind !== 'tool-call' && before?.kind !== 'thinking') return false;
    if (startsAgentTurn(itemAt, i)) return true;
  }
  return false;
}

/** Row `index` of a virtual list of items (the caller gives it its key). */
export function TranscriptRow({ index, itemAt, assistant, hitSeq, measure }: { index: number; itemAt: (index: number) => SessionItemView | undefined; assistant: string; hitSeq: number | undefined; measure: (el: Element | null) => void }) {
  if (folded(itemAt, index)) return <div ref={measure} data-index={index} className="virtual-row transcript-row is-folded" />;
  const item = itemAt(index);
  const line = item?.kind === 'not-shown' ? notShownLine(itemAt, index) : undefined;
  return (
    <div ref={measure} data-index={index} className="virtual-row transcript-row">
      {item && startsAgentTurn(itemAt, index) && <AgentHead assistant={assistant} time={item.time} />}
      {item ? (
        <TranscriptItem item={item} assistant={assistant} hit={item.seq === hitSeq} {...(line !== undefined ? { notShown: line } : {})} {...(continuesAgentTurn(itemAt, index) ? { continued: true } : {})} />
      ) : (
        <div className="session-placeholder" style={{ height: UNKNOWN_ROW - 12 }}>
          Loading…
        </div>
      )}
    </div>
  );
}

/** The agent's name over the first thing it did in a turn that opens with no message of its own. */
function AgentHead({ assistant, time }: { assistant: string; time: string | undefined }) {
  return (
    <div className="msg-head agent-turn" data-kind="agent-turn">
      <span className="msg-avatar msg-avatar-assistant" aria-hidden="true">
        <Icon name="sparkle" size={13} />
      </span>
      <span className="msg-author">{assistant}</span>
      {time && <span className="msg-time">{formatTime(time)}</span>}
    </div>
  );
}

/** `continued`: a message that goes on with its agent's turn, under the name already over it (continuesAgentTurn). */
export const TranscriptItem = memo(function TranscriptItem({ item, assistant, hit, notShown, continued }: { item: SessionItemView; assistant: string; hit: boolean; notShown?: string; continued?: boolean }) {
  const cls = hit ? ' is-hit' : '';
  switch (item.kind) {
    case 'message':
      return (
        <div className={`msg msg-${item.role}${cls}${continued ? ' is-continued' : ''}`} data-kind={`message-${item.role}`} data-seq={item.seq}>
          {!continued && (
            <div className="msg-head">
              <span className={`msg-avatar msg-avatar-${item.role}`} aria-hidden="true">
                <Icon name={item.role === 'user' ? 'user' : 'sparkle'} size={13} />
              </span>
              <span className="msg-author">{item.role === 'user' ? 'You' : assistant}</span>
              {item.time && <span className="msg-time">{formatTime(item.time)}</span>}
            </div>
          )}
          <div className="msg-body">
            <Markdown text={item.text} defer />
          </div>
        </div>
      );
    case 'thinking':
      return (
        <details className={`fold fold-thinking${cls}`} data-kind="thinking" data-seq={item.seq}>
          <summary>
            <Icon name="thought" size={13} /> <span className="fold-title">Thinking</span>
            {/* Its first words, so a reader scanning the conversation sees what it was about. */}
            <span className="thinking-preview">{item.text.slice(0, 200).replace(/\s+/g, ' ').trim()}</span>
          </summary>
          <div className="fold-body prose-muted">{item.text}</div>
        </details>
      );
    case 'tool-call':
      return (
        <details className={`fold fold-tool${item.result?.isError ? ' is-error' : ''}${cls}`} data-kind="tool" data-seq={item.seq}>
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
        <details className={`fold fold-tool${item.result.isError ? ' is-error' : ''}${cls}`} data-kind="tool-result" data-seq={item.seq}>
          <summary>
            <Icon name="terminal" size={13} /> {item.name ? `Output of ${item.name}` : 'Tool output'}
          </summary>
          <div className="fold-body">
            <Clipped text={item.result.text} />
          </div>
        </details>
      );
    case 'attachment':
      return (
        <details className={`fold${cls}`} data-kind="attachment" data-seq={item.seq}>
          <summary>
            <Icon name="file" size={13} /> {item.label}
          </summary>
          <div className="fold-body">
            <Clipped text={item.text} />
          </div>
        </details>
      );
    case 'note':
      return (
        <div className={`note-line${cls}`} data-kind="note" data-seq={item.seq}>
          <span className="note-label">{item.label}</span>
          <span className="note-text">{item.text.length > 300 ? `${item.text.slice(0, 300)}…` : item.text}</span>
        </div>
      );
    case 'subagent':
      return (
        <div className={`note-line${cls}`} data-kind="subagent" data-seq={item.seq}>
          <span className="note-label">Sub-agent {item.label}</span>
          <span className="note-text">{item.title ?? item.sessionId}</span>
        </div>
      );
    case 'not-shown':
      return (
        <div className={`note-line is-quiet${cls}`} data-kind="not-shown" data-seq={item.seq}>
          <span className="note-text">not shown: {notShown ?? item.recordType}</span>
        </div>
      );
    case 'unreadable':
      return (
        <div className={`malformed${cls}`} data-kind="malformed" role="note" data-seq={item.seq}>
          <div className="malformed-head">
            <Icon name="alert" size={13} />
            Could not be read: {item.reason}
          </div>
          <code className="malformed-raw">{item.raw.length > 400 ? `${item.raw.slice(0, 400)}…` : item.raw}</code>
        </div>
      );
    default: {
      const never: never = item;
      return never;
    }
  }
});

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
