// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionItemView } from '../../shared/sessions.ts';
import { continuesAgentTurn, estimateAt, notShownLine, startsAgentTurn, TranscriptRow } from './transcript-item.tsx';

afterEach(cleanup);

const notShown = (seq: number, recordType: string): SessionItemView => ({ seq, kind: 'not-shown', recordType, preview: '{}' });
const message = (seq: number, text: string): SessionItemView => ({ seq, kind: 'message', role: 'assistant', text });

// An OpenCode session's shape: each step's text between its step markers.
const items: SessionItemView[] = [message(0, 'hello'), notShown(1, 'part step-start'), notShown(2, 'part step-finish'), notShown(3, 'part step-start'), message(4, 'done'), notShown(5, 'world_state')];
const itemAt = (i: number) => items[i];

describe('records not shown', () => {
  it('are one line per run: its first row names the types, the rest fold into it with no height', () => {
    expect(notShownLine(itemAt, 1)).toBe('3 records (part step-start, part step-finish)');
    expect(notShownLine(itemAt, 2)).toBeUndefined();
    expect(notShownLine(itemAt, 3)).toBeUndefined();
    expect(notShownLine(itemAt, 5)).toBe('world_state');
    expect(estimateAt(itemAt, 2)).toBe(0);
    expect(estimateAt(itemAt, 1)).toBeGreaterThan(0);
    expect(estimateAt(itemAt, 4)).toBeGreaterThan(0);
  });

  it('render as one quiet line in the list, whatever the run’s length', () => {
    const { container } = render(
      <div>
        {items.map((_, i) => (
          <TranscriptRow key={i} index={i} itemAt={itemAt} assistant="OpenCode" hitSeq={undefined} measure={() => {}} />
        ))}
      </div>,
    );
    const lines = [...container.querySelectorAll('[data-kind="not-shown"]')].map((el) => el.textContent);
    expect(lines).toEqual(['not shown: 3 records (part step-start, part step-finish)', 'not shown: world_state']);
    expect(container.querySelectorAll('.virtual-row.is-folded')).toHaveLength(2);
    expect(container.querySelectorAll('.virtual-row')).toHaveLength(items.length);
  });

  it('say that a run goes on past what is looked at', () => {
    const long = Array.from({ length: 300 }, (_, i) => notShown(i, 'event token_count'));
    expect(notShownLine((i) => long[i], 0)).toBe('200+ records (event token_count)');
  });
});

describe('who is speaking', () => {
  const user = (seq: number, text: string): SessionItemView => ({ seq, kind: 'message', role: 'user', text });
  const call = (seq: number, name: string): SessionItemView => ({ seq, kind: 'tool-call', name, summary: 'ls -F', input: '{}' });
  const thinking = (seq: number): SessionItemView => ({ seq, kind: 'thinking', text: 'Plan' });
  // Gemini CLI's real sample: the agent's first record is a tool call with no text.
  const turn: SessionItemView[] = [user(0, 'Say hello and list files.'), call(1, 'run_shell_command'), message(2, 'Hello! I listed the files.'), user(3, 'Again'), notShown(4, 'event'), thinking(5), call(6, 'read_file'), message(7, 'Done'), call(8, 'write_file')];
  const at = (i: number) => turn[i];

  it("puts the agent's name over a tool call or thinking that follows the user's message, and nowhere else", () => {
    expect(turn.map((_, i) => startsAgentTurn(at, i))).toEqual([false, true, false, false, false, true, false, false, false]);
    const { container } = render(
      <div>
        {turn.map((_, i) => (
          <TranscriptRow key={i} index={i} itemAt={at} assistant="Gemini CLI" hitSeq={undefined} measure={() => {}} />
        ))}
      </div>,
    );
    const heads = [...container.querySelectorAll('[data-kind="agent-turn"]')];
    expect(heads.map((h) => h.textContent)).toEqual(['Gemini CLI', 'Gemini CLI']);
    expect(heads[0]?.nextElementSibling?.getAttribute('data-kind')).toBe('tool');
    expect(heads[1]?.nextElementSibling?.getAttribute('data-kind')).toBe('thinking');
    // The row's estimate makes room for it.
    expect(estimateAt(at, 1)).toBeGreaterThan(estimateAt(at, 8));
  });

  it("doesn't repeat the agent's name over its first message in a turn that opened with it, only there", () => {
    // Message 2 answers under the name over call 1; message 7 after thinking 5 and call 6. A
    // second message of the agent's (9) and one in a turn opened by a message keep their names.
    const more: SessionItemView[] = [...turn.slice(0, 8), { seq: 8, kind: 'tool-result', result: { text: 'ok', isError: false } }, message(9, 'And more'), user(10, 'Hi'), message(11, 'Hello'), call(12, 'ls'), message(13, 'Listed')];
    const m = (i: number) => more[i];
    expect(more.map((_, i) => continuesAgentTurn(m, i))).toEqual([false, false, true, false, false, false, false, true, false, false, false, false, false, false]);
    const { container } = render(
      <div>
        {more.map((_, i) => (
          <TranscriptRow key={i} index={i} itemAt={m} assistant="Gemini CLI" hitSeq={undefined} measure={() => {}} />
        ))}
      </div>,
    );
    const named = (seq: number) => container.querySelector(`[data-seq="${seq}"]`)?.querySelector('.msg-author')?.textContent;
    expect([2, 7, 9, 11, 13].map(named)).toEqual([undefined, undefined, 'Gemini CLI', 'Gemini CLI', 'Gemini CLI']);
    // Three of the user's, two over turns that open with a call or thinking, three messages.
    expect(container.querySelectorAll('.msg-author')).toHaveLength(8);
    // Its estimate drops the line its name took (both are one line).
    expect(estimateAt(m, 2)).toBeLessThan(estimateAt(m, 9));
  });
});
