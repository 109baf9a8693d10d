import { describe, expect, it } from 'vitest';
import { summarizeTranscriptLines } from './line-summaries.ts';

const claude = [
  JSON.stringify({ type: 'user', sessionId: 's', uuid: 'u1', timestamp: '2026-12-04T10:00:00Z', message: { role: 'user', content: 'Fix the flaky test' } }),
  JSON.stringify({ type: 'assistant', sessionId: 's', uuid: 'u2', timestamp: '2026-12-04T10:00:05Z', message: { role: 'assistant', model: 'claude', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }] } }),
  '{"type":"assistant","cut off',
  JSON.stringify({ type: 'assistant', sessionId: 's', uuid: 'u3', timestamp: '2026-12-04T10:00:09Z', message: { role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'It passes now.' }] } }),
].join('\n');

describe('transcript lines in words, by the agent’s reader', () => {
  it('summarises each Claude Code line by its role, a damaged line as nothing', async () => {
    const out = await summarizeTranscriptLines('claude-code', '/home/a/.claude/projects/-repo/0b1e0000-0000-4000-8000-000000000001.jsonl', claude);
    expect(out).toEqual([{ label: 'User', text: 'Fix the flaky test' }, { label: 'Tool', text: 'Bash npm test' }, null, { label: 'Assistant', text: 'It passes now.' }]);
  });

  it('reads a Codex rollout named .jsonl.zst as the text it decompresses to', async () => {
    const codex = [
      JSON.stringify({ timestamp: '2026-12-04T10:00:00Z', type: 'session_meta', payload: { id: 'abc', cwd: '/repo' } }),
      JSON.stringify({ timestamp: '2026-12-04T10:00:01Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello codex' }] } }),
    ].join('\n');
    const out = await summarizeTranscriptLines('codex', '/home/a/.codex/sessions/2026/12/04/rollout-2026-12-04T10-00-00-abc.jsonl.zst', codex);
    expect(out?.[1]).toEqual({ label: 'User', text: 'hello codex' });
  });

  it('has nothing to say for a file no reader knows', async () => {
    expect(await summarizeTranscriptLines('claude-code', '/home/a/.claude/settings.json', '{}')).toBeUndefined();
  });
});
