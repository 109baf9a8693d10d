// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionItemView } from '../../shared/sessions.ts';
import { estimateAt, notShownLine, startsAgentTurn, TranscriptRow } from './transcript-item.tsx';

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
});
