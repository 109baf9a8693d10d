import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localFiles, readPage, readSession, readerFor, type SessionItem } from '../index.ts';

// No Goose session written by the agent is public: these are built from Goose's schema
// (crates/goose/src/session) and message model, one record of every content type.
const temp = mkdtempSync(join(tmpdir(), 'cairn-goose-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
mkdirSync(join(temp, 'sessions'), { recursive: true });

const messages = [
  { role: 'user', created: 1767261600, content: [{ type: 'text', text: 'why does the test fail?' }, { type: 'image', data: 'iVBOR', mimeType: 'image/png' }] },
  { role: 'assistant', created: 1767261605, content: [{ type: 'thinking', thinking: 'run it first', signature: 's' }, { type: 'text', text: 'Running the tests.' }, { type: 'toolRequest', id: 'tr1', toolCall: { status: 'success', value: { name: 'developer__shell', arguments: { command: 'npm test' } } } }] },
  { role: 'user', created: 1767261609, content: [{ type: 'toolResponse', id: 'tr1', toolResult: { status: 'success', value: [{ type: 'text', text: '1 failing' }] } }] },
  { role: 'assistant', created: 1767261610, content: [{ type: 'toolConfirmationRequest', id: 'c1', toolName: 'developer__text_editor', arguments: {}, prompt: 'Allow edit?' }, { type: 'redactedThinking', data: 'x' }, { type: 'brandNewContent', x: 1 }] },
  { role: 'assistant', created: 1767261611, content: [{ type: 'contextLengthExceeded', msg: 'context full' }] },
];

describe('Goose readers', () => {
  it('reads sessions.db: sessions, messages in order, tool requests with their responses', async () => {
    const db = new Database(join(temp, 'sessions/sessions.db'));
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT DEFAULT '', description TEXT NOT NULL DEFAULT '', working_dir TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, model_config_json TEXT);
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL, metadata_json TEXT, message_id TEXT);`);
    db.prepare('INSERT INTO sessions (id, name, working_dir, created_at, updated_at, model_config_json) VALUES (?, ?, ?, ?, ?, ?)').run('20260101_1', 'Failing test', '/home/alice/app', '2026-01-01 10:00:00', '2026-01-01 10:00:11', JSON.stringify({ model_name: 'gpt-5' }));
    db.prepare('INSERT INTO sessions (id, description, working_dir, created_at) VALUES (?, ?, ?, ?)').run('20260102_1', 'Second', '/home/alice/other', '2026-01-02 09:00:00');
    const add = db.prepare('INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?)');
    for (const m of messages) add.run('20260101_1', m.role, JSON.stringify(m.content), m.created);
    add.run('20260101_1', 'assistant', '{cut', 1767261612);
    db.close();
    const files = localFiles(temp);
    const reader = readerFor('goose', 'sessions/sessions.db')!;
    expect(reader.format).toBe('goose-db');
    const refs = await reader.list(files, 'sessions/sessions.db');
    expect(refs.map((r) => r.key)).toEqual(['20260101_1', '20260102_1']);
    const { meta, items } = await readSession(reader, files, refs[0]!);
    expect(meta).toMatchObject({ id: '20260101_1', title: 'Failing test', project: '/home/alice/app', model: 'gpt-5', startedAt: '2026-01-01T10:00:00.000Z', updatedAt: '2026-01-01T10:00:11.000Z' });
    expect(items.map((i) => i.kind)).toEqual(['message', 'attachment', 'thinking', 'message', 'tool-call', 'note', 'thinking', 'not-shown', 'note', 'unreadable']);
    expect(items[4]).toMatchObject({ name: 'developer__shell', summary: 'npm test', result: { text: '1 failing', isError: false } });
    expect(meta.counts).toMatchObject({ toolCalls: 1, toolResults: 0, unreadable: 1, notShown: 1 });
    const paged: SessionItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await readPage(reader, files, refs[0]!, { limit: 2, cursor });
      paged.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(items);
  });

  it('reads a legacy JSONL session with its metadata line', async () => {
    const lines = [{ working_dir: '/home/alice/app', description: 'Failing test', message_count: 5, total_tokens: 10 }, ...messages];
    writeFileSync(join(temp, 'sessions/20250301_120000.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const reader = readerFor('goose', 'sessions/20250301_120000.jsonl')!;
    expect(reader.format).toBe('goose-jsonl');
    const { meta } = await readSession(reader, localFiles(temp), { agent: 'goose', format: 'goose-jsonl', path: 'sessions/20250301_120000.jsonl' });
    expect(meta).toMatchObject({ id: '20250301_120000', title: 'Failing test', project: '/home/alice/app', startedAt: '2026-01-01T10:00:00.000Z' });
    expect(meta.counts).toMatchObject({ unreadable: 0, toolCalls: 1, userMessages: 1, assistantMessages: 1 });
  });
});
