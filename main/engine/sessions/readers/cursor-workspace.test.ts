// A workspace database of many chats: every chat is in one ItemTable value, and each chat is read
// on its own. The value is parsed once per version of the file, not once per chat.

import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSessions } from '../../catalog/read.ts';

const parsed = vi.hoisted(() => ({ big: 0 }));
vi.mock('../json.ts', async (importOriginal) => {
  const json = await importOriginal<typeof import('../json.ts')>();
  return {
    ...json,
    parseRecord: (text: string) => {
      if (text.length > 100_000) parsed.big++;
      return json.parseRecord(text);
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'cairn-cursor-workspace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function workspace(chats: number, word: string, changed?: number): string {
  const dir = join(root, 'workspaceStorage', 'ws1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'workspace.json'), JSON.stringify({ folder: 'file:///home/u/src/app' }));
  const file = join(dir, 'state.vscdb');
  rmSync(file, { force: true });
  const db = new Database(file);
  db.exec('CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)');
  const tabs = Array.from({ length: chats }, (_, i) => ({
    tabId: `tab-${i}`,
    chatTitle: `Chat ${i}`,
    lastSendTime: 1_700_000_000_000 + i,
    bubbles: [
      { type: 'user', text: `${word} question ${i} `.repeat(40) },
      { type: 'ai', text: `answer ${i} `.repeat(40) },
      ...(i === changed ? [{ type: 'user', text: 'one more question about the albatross' }] : []),
    ],
  }));
  db.prepare('INSERT INTO ItemTable VALUES (?, ?)').run('workbench.panel.aichat.view.aichat.chatdata', JSON.stringify({ tabs }));
  db.close();
  return 'workspaceStorage/ws1/state.vscdb';
}

describe('a Cursor workspace of many chats', () => {
  it('parses the value that holds them all once per version of the file, not once per chat', async () => {
    const path = workspace(200, 'pelican');
    parsed.big = 0;
    const first = await readFileSessions('cursor', root, path);
    expect(first.metas).toHaveLength(200);
    expect(first.metas.map((m) => m.title)).toContain('Chat 199');
    expect(first.metas.every((m) => m.counts.messages === 2 && m.project === '/home/u/src/app')).toBe(true);
    expect(parsed.big).toBe(1);
    // Another version of the file is parsed again (what it holds now, not what was parsed before).
    const again = workspace(201, 'cormorant');
    parsed.big = 0;
    const second = await readFileSessions('cursor', root, again);
    expect(second.metas).toHaveLength(201);
    expect(parsed.big).toBe(1);
  });

  it('reads again only the chats whose record changed when the database changed (stamps); the others are kept', async () => {
    const path = workspace(50, 'heron');
    const first = await readFileSessions('cursor', root, path);
    expect(first.point?.kind).toBe('stamps');
    const keys = first.metas.map((m) => m.ref.key ?? '');
    // Cursor wrote the database again: one chat got a message, one is new, the rest are as they were.
    workspace(51, 'heron', 7);
    const next = await readFileSessions('cursor', root, path, undefined, undefined, { point: first.point as NonNullable<typeof first.point>, keys });
    expect(next.metas.map((m) => m.ref.key).sort()).toEqual(['chat:tab-50', 'chat:tab-7']);
    expect(next.metas.find((m) => m.ref.key === 'chat:tab-7')?.counts.messages).toBe(3);
    expect(next.kept).toHaveLength(49);
    expect(next.kept).not.toContain('chat:tab-7');
  });
});
