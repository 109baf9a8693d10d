import { describe, expect, it } from 'vitest';
import type { BlobId, DeviceId, SnapshotId } from '../../shared/ids.ts';
import type { DeviceRecord, SnapshotRecord } from '../engine/vault/index.ts';
import { deviceInfo, forgetView, summarise } from './views.ts';

const A = 'a'.repeat(16) as DeviceId;
const B = 'b'.repeat(16) as DeviceId;
const device = (id: DeviceId, name: string): DeviceRecord => ({ version: 1, id, name, hostname: `${name}.local`, platform: 'linux', agents: ['claude-code'], lastSeen: '2026-12-05T00:00:00.000Z', createdAt: '2026-11-01T00:00:00.000Z' });
const snapshot = (n: number, dev: DeviceId, time: string, extra: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  version: 1,
  id: String(n).repeat(64).slice(0, 64) as SnapshotId,
  device: dev,
  deviceName: dev === A ? 'laptop' : 'desk',
  hostname: 'h',
  time,
  tree: 'f'.repeat(64) as BlobId,
  roots: [{ label: 'claude-code', agent: 'claude-code', path: '/home/u/.claude', tree: 'e'.repeat(64) as BlobId }, { label: 'notes', path: '/home/u/notes', tree: 'd'.repeat(64) as BlobId }],
  reason: 'scheduled',
  pinned: false,
  stats: { files: 3, dirs: 1, bytes: 10, newBytes: 5, uploadedBytes: 4, newFiles: 1, changedFiles: 0, unchangedFiles: 2, durationMs: 7 } as SnapshotRecord['stats'],
  ...extra,
});

describe('views of engine records', () => {
  it('shows a device with its own snapshots only, and its newest time', () => {
    const snaps = [snapshot(1, A, '2026-12-01T10:00:00Z'), snapshot(2, B, '2026-12-04T10:00:00Z'), snapshot(3, A, '2026-12-03T10:00:00Z')];
    expect(deviceInfo(device(A, 'laptop'), snaps, A)).toMatchObject({ id: A, name: 'laptop', isThisDevice: true, snapshotCount: 2, lastSnapshot: '2026-12-03T10:00:00Z' });
    const other = deviceInfo(device(B, 'desk'), [], A);
    expect(other).toMatchObject({ isThisDevice: false, snapshotCount: 0 });
    expect(other).not.toHaveProperty('lastSnapshot');
  });

  it('summarises a snapshot without the format internals, and optional fields only when present', () => {
    const plain = summarise(snapshot(1, A, '2026-12-01T10:00:00Z', { warnings: [] }));
    expect(plain.shortId).toBe('11111111');
    expect(plain.deviceId).toBe(A);
    expect(plain.roots).toEqual([{ label: 'claude-code', agent: 'claude-code', path: '/home/u/.claude' }, { label: 'notes', path: '/home/u/notes' }]);
    for (const key of ['tree', 'catalog', 'merges', 'parent', 'keptLocal', 'warnings']) expect(plain).not.toHaveProperty(key);
    const full = summarise(snapshot(2, A, 't', { parent: '1'.repeat(64) as SnapshotId, pinned: true, keptLocal: [{ path: 'claude-code/.credentials.json', why: 'credentials' }] }));
    expect(full).toMatchObject({ pinned: true, parent: '1'.repeat(64), keptLocal: [{ path: 'claude-code/.credentials.json', why: 'credentials' }] });
  });

  it('summarises both sides of a forget', () => {
    const kept = snapshot(1, A, 't1');
    const gone = snapshot(2, A, 't0');
    expect(forgetView({ keep: [{ snapshot: kept, reasons: ['last 1'] }], forget: [gone], dryRun: true })).toEqual({ keep: [{ snapshot: summarise(kept), reasons: ['last 1'] }], forget: [summarise(gone)], dryRun: true });
  });
});
