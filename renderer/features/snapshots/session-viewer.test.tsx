// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claudeSessionLines, toJsonl } from '../../../e2e/fixtures/transcripts.ts';
import { SessionViewer } from './session-viewer.tsx';

// jsdom has no layout: give the scroll container a height so the virtualiser renders rows.
const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('session-scroll') ? 4000 : 0;
    },
  });
});
afterAll(() => {
  if (original) Object.defineProperty(HTMLElement.prototype, 'clientHeight', original);
});
afterEach(cleanup);

const user = (text: string) => JSON.stringify({ type: 'user', sessionId: 's', uuid: `u-${text}`, timestamp: '2025-06-01T10:00:00Z', message: { role: 'user', content: text } });
const assistant = (text: string) => JSON.stringify({ type: 'assistant', sessionId: 's', uuid: `a-${text}`, timestamp: '2025-06-01T10:00:05Z', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text }] } });

describe('SessionViewer', () => {
  it('shows malformed lines as such, in place, and the rest of the conversation', () => {
    const text = [user('Why does the build fail?'), '{"type":"assistant","message":{"role":"assist', '[1, 2, 3]', assistant('Because the lockfile is stale.'), 'not json at all'].join('\n');
    render(<SessionViewer text={text} />);
    const viewer = screen.getByTestId('session-viewer');
    expect(viewer.dataset.format).toBe('claude-code');
    expect(screen.getByText('Why does the build fail?')).toBeTruthy();
    expect(screen.getByText('Because the lockfile is stale.')).toBeTruthy();
    const malformed = viewer.querySelectorAll('[data-kind="malformed"]');
    expect(malformed).toHaveLength(3);
    expect(within(malformed[0] as HTMLElement).getByText(/Line 2 could not be read: not valid JSON/)).toBeTruthy();
    expect(within(malformed[0] as HTMLElement).getByText('{"type":"assistant","message":{"role":"assist')).toBeTruthy();
    expect(within(malformed[1] as HTMLElement).getByText(/Line 3 could not be read: not a JSON object/)).toBeTruthy();
    expect(within(malformed[2] as HTMLElement).getByText(/Line 5 could not be read/)).toBeTruthy();
    expect(screen.getByTestId('malformed-count').textContent).toContain('3 unreadable lines');
  });

  it('renders a file where every line is damaged without crashing', () => {
    render(<SessionViewer text={'{"a":\n\u0000\u0001\n{{{{'} />);
    expect(screen.getByTestId('session-viewer').querySelectorAll('[data-kind="malformed"]')).toHaveLength(3);
  });

  it('folds tool calls with their output and keeps HTML in messages as text', () => {
    const text = toJsonl([...claudeSessionLines(), JSON.stringify({ type: 'user', sessionId: 's', uuid: 'x', message: { role: 'user', content: '<img src=x onerror=alert(1)>' } })]);
    const { container } = render(<SessionViewer text={text} />);
    const tools = container.querySelectorAll('details[data-kind="tool"]');
    expect(tools).toHaveLength(4);
    expect((tools[0] as HTMLDetailsElement).open).toBe(false);
    expect(within(tools[3] as HTMLElement).getByText('error')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
  });
});
