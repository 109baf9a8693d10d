// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../../shared/models.ts';
import { LeftOut } from './left-out.tsx';

afterEach(cleanup);

const base: SnapshotSummary = {
  id: 'a'.repeat(64),
  shortId: 'aaaaaaaa',
  deviceId: 'd1',
  deviceName: 'laptop',
  time: '2026-12-04T10:00:00.000Z',
  reason: 'manual',
  pinned: false,
  roots: [],
  stats: { files: 10, dirs: 1, bytes: 100, newFiles: 10, changedFiles: 0, unchangedFiles: 0, newBytes: 100, uploadedBytes: 100, secretsSkipped: 0, durationMs: 5 },
};

// Issue 16: a backup's warnings (vanished, unreadable files) are shown in the UI, not only counted by the CLI.
describe('LeftOut', () => {
  it('lists the files a backup left out, with the reason, and those kept local', () => {
    const snapshot: SnapshotSummary = {
      ...base,
      stats: { ...base.stats, warnings: 3, secretsSkipped: 1 },
      warnings: [
        { path: '/home/a/.claude/tmp.json', reason: 'vanished', message: 'it was deleted or moved before it could be read' },
        { path: '/home/a/.codex/locked.txt', reason: 'unreadable', message: 'EACCES' },
        { path: '/home/a/.claude/projects/x.jsonl', reason: 'session', message: 'catalog only' },
      ],
      keptLocal: [{ path: 'claude-code/.credentials.json', why: 'credential file' }],
    };
    const { getByTestId } = render(<LeftOut snapshot={snapshot} />);
    const box = getByTestId('left-out');
    expect(box.querySelector('summary')?.textContent).toBe('3 files left out · 1 file kept on this computer');
    const items = [...box.querySelectorAll('li')].map((li) => li.textContent);
    expect(items).toContain('/home/a/.claude/tmp.json — deleted or moved while the backup ran (it was deleted or moved before it could be read)');
    expect(items).toContain('/home/a/.codex/locked.txt — could not be read (EACCES)');
    expect(items).toContain('claude-code/.credentials.json — credential file');
    expect(items.some((t) => t?.includes('x.jsonl'))).toBe(false); // a catalog warning: the file is in the snapshot
    expect(box.textContent).toContain('…and 1 more file.');
  });

  it('lists the files it holds without their credentials, with the keys taken out', () => {
    const snapshot: SnapshotSummary = { ...base, scrubbed: [{ path: 'claude-code/config/settings.json', why: 'settings.json `env` carries ANTHROPIC_API_KEY', removed: ['env.ANTHROPIC_API_KEY', 'mcpServers.github.env'] }] };
    const { getByTestId } = render(<LeftOut snapshot={snapshot} />);
    const box = getByTestId('left-out');
    expect(box.querySelector('summary')?.textContent).toBe('1 file without credentials');
    expect([...box.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['claude-code/config/settings.json — env.ANTHROPIC_API_KEY, mcpServers.github.env']);
    expect(box.textContent).toContain('a restore brings them back without them');
  });

  it('says how many files were deleted while the backup ran and how many special files it found (the CLI said so, the app didn’t)', () => {
    const snapshot: SnapshotSummary = { ...base, stats: { ...base.stats, vanished: 2, specialSkipped: 1 } };
    const { getByTestId } = render(<LeftOut snapshot={snapshot} />);
    const box = getByTestId('left-out');
    expect(box.querySelector('summary')?.textContent).toBe('2 files deleted while it ran · 1 special file not kept');
    expect(box.textContent).toContain('2 files or folders deleted or moved between the backup listing and reading them: nothing to keep.');
    expect(box.textContent).toContain('1 FIFO, socket or device file found: they hold no content to keep.');
  });

  it('says nothing for a complete snapshot', () => {
    const { container } = render(<LeftOut snapshot={base} />);
    expect(container.innerHTML).toBe('');
  });
});
