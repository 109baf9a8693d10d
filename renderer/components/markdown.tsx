// A message's Markdown rendered as React elements (react-markdown + GFM tables, lists, code).
// Raw HTML in a message is never interpreted (skipHtml), link targets go through react-markdown's
// URL filter, links open in the system browser (never in the app's window), and images are
// shown as links, so a transcript can't make the app load anything. Very long messages are shown
// as plain text: parsing them would hold the screen for longer than a frame.

import { memo, type MouseEvent } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
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

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  if (text.length > MARKDOWN_MAX_CHARS) return <div className="markdown markdown-plain">{text}</div>;
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
