// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Markdown, MARKDOWN_MAX_CHARS } from './markdown.tsx';

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
});
