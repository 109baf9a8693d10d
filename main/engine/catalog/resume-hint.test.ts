// The agent's own way to resume each kind of session, as its docs give it: a command to copy, or,
// where the agent has none (Cursor's editor chats, Cline, Roo), what to do instead.

import { describe, expect, it } from 'vitest';
import { READERS } from '../sessions/index.ts';
import { resumeHint } from './continue.ts';

describe('resumeHint', () => {
  it('gives every format its agent’s own command, run in the project', () => {
    const cases: [string, string, string][] = [
      ['claude-code', '5f1c', 'claude --resume 5f1c'],
      ['codex', '019f', 'codex resume 019f'],
      ['gemini-jsonl', 'abc', 'gemini --resume abc'],
      ['gemini-json', 'abc', 'gemini --resume abc'],
      ['antigravity', 'c0nv', 'agy --conversation c0nv'],
      ['opencode-db', 'ses_1', 'opencode --session ses_1'],
      ['opencode-storage', 'ses_1', 'opencode --session ses_1'],
      ['goose-db', '20260101_1', 'goose session --resume --session-id 20260101_1'],
      // A legacy JSONL session is named by its file: `--session-id` finds only sessions.db ones.
      ['goose-jsonl', 'my session', "goose session --resume --name 'my session'"],
      ['cursor-cli', 'a1b2', 'cursor-agent --resume a1b2'],
      ['aider', '', 'aider --restore-chat-history'],
    ];
    for (const [format, id, command] of cases) expect(resumeHint(format, id, '/home/a/app'), format).toEqual({ command: `cd /home/a/app && ${command}` });
    expect(resumeHint('codex', '019f', "/home/a/it's")).toEqual({ command: `cd '/home/a/it'\\''s' && codex resume 019f` });
    expect(resumeHint('codex', '019f', undefined)).toEqual({ command: 'codex resume 019f' });
  });

  it('says what to do for sessions no command resumes, never a made-up command', () => {
    for (const format of ['cursor-composer', 'cursor-chat', 'cursor-transcript', 'cursor-text']) {
      const hint = resumeHint(format, 'abc', '/home/a/app');
      expect(hint, format).toEqual({ howTo: expect.stringMatching(/^Open \/home\/a\/app in Cursor; the chat is in the Composer \(Agent\) history/) });
    }
    expect(resumeHint('cline', '1769', undefined)).toEqual({ howTo: expect.stringMatching(/Cline panel’s History/) });
    expect(resumeHint('roo', '1769', undefined)).toEqual({ howTo: expect.stringMatching(/Roo Code panel’s History/) });
  });

  it('covers every format a reader produces', () => {
    for (const r of READERS) expect(resumeHint(r.format, 'x', undefined), r.format).not.toEqual({ howTo: expect.stringMatching(/^Open \S+ and pick/) });
  });
});
