import { describe, expect, it } from 'vitest';
import { claudeSessionLines, codexRolloutLines, toJsonl } from '../../e2e/fixtures/transcripts.ts';
import { detectFormat, parseTranscript, summarizeLine } from './transcript.ts';

describe('parseTranscript', () => {
  it('reads a Claude Code session as a conversation with tool calls paired to their results', () => {
    const t = parseTranscript(toJsonl(claudeSessionLines()));
    expect(t.format).toBe('claude-code');
    expect(t.title).toBe('Fix flaky date parsing test in billing module');
    expect(t.cwd).toBe('/home/alice/src/app');
    expect(t.model).toBe('claude-sonnet-4-5-20250929');
    const kinds = t.items.map((i) => i.kind);
    expect(kinds).toContain('thinking');
    const tools = t.items.filter((i) => i.kind === 'tool');
    expect(tools.map((i) => i.kind === 'tool' && i.name)).toEqual(['Bash', 'Read', 'Edit', 'Bash']);
    expect(tools.every((i) => i.kind === 'tool' && i.result !== undefined)).toBe(true);
    const failing = tools[3];
    expect(failing?.kind === 'tool' && failing.result?.isError).toBe(true);
    expect(failing?.kind === 'tool' && failing.summary).toBe('TZ=Pacific/Kiritimati npx vitest run src/billing');
    expect(t.items.some((i) => i.kind === 'tool-result')).toBe(false);
  });

  it('shows a truncated line as malformed, in its place, and keeps reading', () => {
    const t = parseTranscript(toJsonl(claudeSessionLines()));
    expect(t.malformedCount).toBe(1);
    const index = t.items.findIndex((i) => i.kind === 'malformed');
    const bad = t.items[index];
    expect(bad?.kind === 'malformed' && bad.line).toBe(11);
    expect(bad?.kind === 'malformed' && bad.reason).toMatch(/not valid JSON/);
    const after = t.items.slice(index + 1).filter((i) => i.kind === 'message');
    expect(after.length).toBe(2);
  });

  it('reads a Codex rollout, hiding environment context and pairing function calls', () => {
    const t = parseTranscript(toJsonl(codexRolloutLines()));
    expect(t.format).toBe('codex');
    expect(t.model).toBe('gpt-5-codex');
    expect(t.cwd).toBe('/home/alice/src/app');
    const messages = t.items.filter((i) => i.kind === 'message');
    expect(messages.map((m) => m.kind === 'message' && m.role)).toEqual(['user', 'assistant']);
    const tool = t.items.find((i) => i.kind === 'tool');
    expect(tool?.kind === 'tool' && tool.summary).toBe('rg -n "command\\(\'export\'" src');
    expect(tool?.kind === 'tool' && tool.result?.text).toContain('src/cli/export.ts');
    expect(t.items.some((i) => i.kind === 'note' && i.label === 'Context')).toBe(true);
    expect(t.malformedCount).toBe(0);
  });

  it('reads the older Codex format of bare items', () => {
    const text = [
      JSON.stringify({ id: 'abc', timestamp: '2025-04-01T10:00:00Z', instructions: '' }),
      JSON.stringify({ record_type: 'state' }),
      JSON.stringify({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] }),
      JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi there' }] }),
    ].join('\n');
    const t = parseTranscript(text);
    expect(t.format).toBe('codex');
    expect(t.items.map((i) => i.kind === 'message' && i.text)).toEqual(['hello', 'hi there']);
  });

  it('never throws, whatever the lines hold', () => {
    const junk = ['null', '42', '"text"', '[1,2]', '{"type":"user"}', '{"type":"assistant","message":{"content":7}}', '{{{', '\u0000\u0001', '{"type":"user","message":{"role":"user","content":[null,1,{"type":"tool_result"}]}}'];
    const t = parseTranscript(['{"type":"user","sessionId":"s","uuid":"u","message":{"role":"user","content":"hi"}}', ...junk].join('\n'));
    expect(t.format).toBe('claude-code');
    expect(t.items[0]?.kind).toBe('message');
    expect(t.malformedCount).toBeGreaterThanOrEqual(6);
  });

  it('detects non-transcript JSONL as unknown', () => {
    expect(detectFormat('{"display":"fix the build","timestamp":1}\n')).toBe('unknown');
  });

  it('summarises one line for conflict tails', () => {
    expect(summarizeLine(JSON.stringify({ type: 'user', message: { role: 'user', content: 'Ship it' } }))).toEqual({ label: 'User', text: 'Ship it' });
    expect(summarizeLine('{"display":"x"}')).toBeUndefined();
    expect(summarizeLine('{oops')).toBeUndefined();
  });
});
