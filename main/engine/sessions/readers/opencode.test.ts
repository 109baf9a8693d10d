import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../../testing/real-agents.ts';
import { allPages } from '../../../../testing/sessions.ts';
import { localFiles, readPage, readSession, readerFor, type SessionItem } from '../index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/opencode] ${REAL_AGENTS_MISSING}\n`);
const root = home ? join(home, '.local/share/opencode') : '';

describe.skipIf(!home)('OpenCode readers on real samples', () => {
  it('reads the real 1.16 database: every part accounted for, tool calls with their output', async () => {
    const files = localFiles(root);
    const reader = readerFor('opencode', 'opencode.db')!;
    expect(reader.format).toBe('opencode-db');
    const refs = await reader.list(files, 'opencode.db');
    expect(refs.map((r) => r.key)).toEqual(['ses_04ca851f7ffevKrKMHW3RsPK1U']);
    const { meta, items } = await readSession(reader, files, refs[0]!);
    // Counts straight from the database: a copy of it, since even a read-only open leaves -wal and
    // -shm files beside the database it opens.
    const scratch = mkdtempSync(join(tmpdir(), 'cairn-opencode-'));
    copyFileSync(join(root, 'opencode.db'), join(scratch, 'opencode.db'));
    const db = new Database(join(scratch, 'opencode.db'), { readonly: true });
    const byType = new Map((db.prepare("SELECT json_extract(data, '$.type') AS t, count(*) AS n FROM part GROUP BY t").all() as { t: string; n: number }[]).map((r) => [r.t, r.n]));
    const count = (type: string) => byType.get(type) ?? 0;
    const parts = (db.prepare('SELECT count(*) AS n FROM part').get() as { n: number }).n;
    db.close();
    rmSync(scratch, { recursive: true, force: true });
    expect(meta.counts.unreadable).toBe(0);
    expect(meta.counts.toolCalls).toBe(count('tool'));
    expect(meta.counts.thinking).toBe(count('reasoning'));
    expect(meta.counts.messages).toBe(count('text'));
    expect(meta.counts.items).toBe(parts);
    expect(meta.notShownTypes).toEqual({ 'part step-start': count('step-start'), 'part step-finish': count('step-finish') });
    expect(meta).toMatchObject({ id: 'ses_04ca851f7ffevKrKMHW3RsPK1U', project: '/workspace', model: 'monkeycode-basic/deepseek-v4-flash', role: 'main', startedAt: '2026-07-30T14:04:55.689Z' });
    // "New session - <date>" is OpenCode's placeholder: the first request is the better title.
    expect(meta.title).not.toMatch(/^New session/);
    const glob = items.find((i): i is Extract<SessionItem, { kind: 'tool-call' }> => i.kind === 'tool-call' && i.name === 'glob');
    expect(glob).toMatchObject({ summary: '**/SPEC.md', result: { text: '/workspace/SPEC.md', isError: false } });
    const paged: SessionItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await readPage(reader, files, refs[0]!, { limit: 7, cursor });
      paged.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(items);
  });

  it('leaves nothing beside the database it reads (no -wal or -shm in the agent folder)', async () => {
    const agentDir = mkdtempSync(join(tmpdir(), 'cairn-opencode-live-'));
    try {
      copyFileSync(join(root, 'opencode.db'), join(agentDir, 'opencode.db'));
      const files = localFiles(agentDir);
      const reader = readerFor('opencode', 'opencode.db')!;
      const [ref] = await reader.list(files, 'opencode.db');
      const { meta } = await readSession(reader, files, ref!);
      expect(meta.counts.items).toBeGreaterThan(100);
      expect(readdirSync(agentDir)).toEqual(['opencode.db']);
    } finally {
      rmSync(agentDir, { recursive: true, force: true });
    }
  });

  it('reads the legacy JSON storage', async () => {
    const files = localFiles(root);
    const path = 'storage/session/proj_test/ses_s_stage0_large.json';
    const reader = readerFor('opencode', path)!;
    expect(reader.format).toBe('opencode-storage');
    const { meta, items } = await readSession(reader, files, { agent: 'opencode', format: 'opencode-storage', path });
    expect(meta).toMatchObject({ id: 's_stage0_large', title: 'OpenCode Large', project: '/tmp/large', startedAt: '2024-10-27T03:35:00.000Z' });
    expect(meta.counts).toMatchObject({ unreadable: 0, toolCalls: 1, thinking: 1, attachments: 1 });
    expect(items.some((i) => i.kind === 'note' && i.label === 'Error' && i.text.includes('MessageAbortedError'))).toBe(true);
    expect(items.some((i) => i.kind === 'note' && i.label === 'Conversation compacted')).toBe(true);
    const call = items.find((i) => i.kind === 'tool-call');
    expect(call).toMatchObject({ name: 'bash', summary: 'ls /non-existent-directory', result: { text: 'ls: /non-existent-directory: No such file or directory\n' } });
    expect(meta.files.length).toBeGreaterThan(5);
  });
});

describe('OpenCode legacy storage, read many files at a time', () => {
  it('keeps message and part order, pages resume anywhere, and damaged files are reported in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-opencode-store-'));
    try {
      const write = (path: string, value: unknown) => {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), typeof value === 'string' ? value : JSON.stringify(value));
      };
      write('storage/session/proj/ses_many.json', { id: 'ses_many', title: 'Many files', directory: '/src/app', time: { created: 1_700_000_000_000, updated: 1_700_000_100_000 } });
      // 50 messages whose file names sort against their time (the reader orders by time), with
      // 0, 1 or 2 parts each; one message file and one part file damaged.
      for (let i = 0; i < 50; i++) {
        const id = `msg_${String(49 - i).padStart(3, '0')}`;
        if (i === 20) {
          write(`storage/message/ses_many/${id}.json`, '{ cut off');
          continue;
        }
        write(`storage/message/ses_many/${id}.json`, { id, role: i % 2 ? 'assistant' : 'user', time: { created: 1_700_000_000_000 + i * 1000 } });
        for (let k = 0; k < i % 3; k++) write(`storage/part/${id}/prt_${k}.json`, i === 32 && k === 1 ? '[' : { type: 'text', text: `message ${i} part ${k}` });
      }
      const files = localFiles(dir);
      const path = 'storage/session/proj/ses_many.json';
      const reader = readerFor('opencode', path)!;
      const ref = { agent: 'opencode', format: 'opencode-storage', path } as const;
      const { meta, items } = await readSession(reader, files, ref);
      const texts = items.filter((i) => i.kind === 'message').map((i) => (i.kind === 'message' ? i.text : ''));
      const expected = Array.from({ length: 50 }, (_, i) => Array.from({ length: i === 20 ? 0 : i % 3 }, (_, k) => `message ${i} part ${k}`)).flat().filter((t) => t !== 'message 32 part 1');
      expect(texts).toEqual(expected);
      expect(meta.counts.unreadable).toBe(2);
      expect(items.filter((i) => i.kind === 'unreadable').map((i) => (i.kind === 'unreadable' ? i.at?.path : ''))).toEqual(['storage/message/ses_many/msg_029.json', 'storage/part/msg_017/prt_1.json']);
      for (const limit of [1, 7, 40]) expect(await allPages(reader, files, ref, limit)).toEqual(items);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
