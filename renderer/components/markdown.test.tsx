// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { useLayoutEffect } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Markdown, MARKDOWN_MAX_CHARS, PARSE_BUDGET_MS } from './markdown.tsx';

afterEach(cleanup);

describe('Markdown', () => {
  it('renders a message as elements: emphasis, code, lists, tables', () => {
    const { container } = render(<Markdown text={'## Plan\n\nI will **fix** `parseDate`:\n\n- one\n- two\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```'} />);
    expect(container.querySelector('h2')?.textContent).toBe('Plan');
    expect(container.querySelector('strong')?.textContent).toBe('fix');
    expect(container.querySelector('p code')?.textContent).toBe('parseDate');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(container.querySelector('td')?.textContent).toBe('1');
    expect(container.querySelector('pre code')?.textContent).toBe('const x = 1;\n');
  });

  it('never interprets raw HTML, javascript: links or images', () => {
    const { container } = render(<Markdown text={'<img src=x onerror="alert(1)"> <script>alert(2)</script> [click](javascript:alert(3)) ![logo](https://example.com/a.png)'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    for (const a of container.querySelectorAll('a')) expect(a.getAttribute('href') ?? '').not.toMatch(/^javascript:/i);
    expect(container.textContent).toContain('[image: logo]');
  });

  it('shows a very long message as plain text', () => {
    const text = `**bold** ${'x'.repeat(MARKDOWN_MAX_CHARS)}`;
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('strong')).toBeNull();
    expect(container.textContent).toBe(text);
  });

  it('with defer, parses only a budget of messages in the task that mounts them, the rest right after', async () => {
    await new Promise((r) => setTimeout(r, 0)); // a fresh task, with its whole budget
    // Sixty messages mounting at once would parse for far longer than PARSE_BUDGET_MS.
    const texts = Array.from({ length: 60 }, (_, i) => `## Step ${i}\n\nI'll **update** the \`ledger_${i}\` table:\n\n- one\n- two\n\n| a | b |\n| - | - |\n| ${i} | 2 |`);
    // What the first commit put on screen (render() itself waits for the deferred work too).
    let first: { parsed: number; pending: number; text: string } | undefined;
    function Probe() {
      useLayoutEffect(() => {
        first = {
          parsed: document.querySelectorAll('h2').length,
          pending: document.querySelectorAll('.markdown-pending').length,
          text: document.querySelector('.markdown-pending')?.textContent ?? '',
        };
      }, []);
      return null;
    }
    const { container } = render(
      <>
        {texts.map((t) => (
          <Markdown key={t} text={t} defer />
        ))}
        <Probe />
      </>,
    );
    expect(first?.parsed).toBeGreaterThan(0);
    expect(first?.parsed).toBeLessThan(texts.length);
    // Waiting ones show their text meanwhile.
    expect(first?.pending).toBe(texts.length - (first?.parsed ?? 0));
    expect(first?.text).toContain('**update**');
    expect(PARSE_BUDGET_MS).toBeLessThan(50);
    // Then every one becomes Markdown.
    expect(container.querySelectorAll('h2')).toHaveLength(texts.length);
    expect(container.querySelectorAll('.markdown-pending')).toHaveLength(0);
  });

  it('without defer, parses at once (a single message, or a list that wants it now)', () => {
    const { container } = render(
      <>
        {Array.from({ length: 30 }, (_, i) => (
          <Markdown key={i} text={`**bold ${i}** and \`code\``} />
        ))}
      </>,
    );
    expect(container.querySelectorAll('strong')).toHaveLength(30);
  });
});
