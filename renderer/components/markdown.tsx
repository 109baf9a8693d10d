// A message's Markdown rendered as React elements (react-markdown + GFM tables, lists, code).
// Raw HTML in a message is never interpreted (skipHtml), link targets go through react-markdown's
// URL filter, links open in the system browser (never in the app's window), and images are
// shown as links, so a transcript can't make the app load anything. Very long messages are shown
// as plain text: parsing them would hold the screen for longer than a frame.
//
// Parsing is the expensive part (micromark: 3–10 ms for a 1 kB message), so a long list keeps
// parsed messages in a small cache (a row scrolled away and back isn't parsed again) and, with
// `defer`, parses at most PARSE_BUDGET_MS of messages in the task that mounts them: the rest
// show their text at once and turn into Markdown in a following transition render, which React
// splits into slices between frames. So no amount of rows mounting together makes one long task.

import { memo, useDeferredValue, type MouseEvent, type ReactElement } from 'react';
import renderMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { openExternal } from '../stores/links.ts';

/** Messages longer than this are shown as plain text. */
export const MARKDOWN_MAX_CHARS = 40_000;

const onLink = (e: MouseEvent<HTMLAnchorElement>): void => {
  e.preventDefault();
  const href = e.currentTarget.getAttribute('href');
  if (href && /^https?:\/\//i.test(href)) void openExternal(href);
};

const components: Components = {
  a: ({ href, children }) => (
    <a href={href} onClick={onLink} title={href} rel="noreferrer">
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <a href={typeof src === 'string' ? src : undefined} onClick={onLink} title={typeof src === 'string' ? src : undefined}>
      [image{alt ? `: ${alt}` : ''}]
    </a>
  ),
};

const plugins = [remarkGfm];

/** Parsed messages, most recently used last. */
const parsed = new Map<string, ReactElement>();
const CACHE_ENTRIES = 400;

/** Milliseconds of parsing a task may spend on deferred messages before the rest wait. */
export const PARSE_BUDGET_MS = 12;
let spent = 0;
let budgetReset = false;

function parse(text: string): ReactElement {
  const hit = parsed.get(text);
  if (hit) {
    parsed.delete(text);
    parsed.set(text, hit);
    return hit;
  }
  const t0 = performance.now();
  const element = renderMarkdown({ children: text, remarkPlugins: plugins, skipHtml: true, components });
  spend(performance.now() - t0);
  parsed.set(text, element);
  if (parsed.size > CACHE_ENTRIES) parsed.delete(parsed.keys().next().value as string);
  return element;
}

/** Counts parsing time against this task's budget (which refills in the next task). */
function spend(ms: number): void {
  spent += ms;
  if (budgetReset) return;
  budgetReset = true;
  setTimeout(() => {
    spent = 0;
    budgetReset = false;
  }, 0);
}

/** Whether this task may still parse now. */
const mayParseNow = (): boolean => spent < PARSE_BUDGET_MS;

export const Markdown = memo(function Markdown({ text, defer = false }: { text: string; defer?: boolean }) {
  const plain = text.length > MARKDOWN_MAX_CHARS;
  const now = plain || !defer || parsed.has(text) || mayParseNow();
  const ready = useDeferredValue(true, now);
  if (plain) return <div className="markdown markdown-plain">{text}</div>;
  if (!ready) return <div className="markdown markdown-plain markdown-pending">{text}</div>;
  return <div className="markdown">{parse(text)}</div>;
});
