// Sample records for tests.

import type { ConflictInfo, DeviceInfo, EngineStatus, JobInfo, Settings, SnapshotSummary, TreeEntryInfo } from '../../shared/models.ts';
import { DEFAULT_RETENTION } from '../../shared/models.ts';

export const status = (patch: Partial<EngineStatus> = {}): EngineStatus => ({ state: 'idle', outboxCount: 0, fingerprint: '4f3a9c21', deviceName: 'Laptop', ...patch });

export const settings = (patch: Partial<Settings> = {}): Settings => ({
  intervalMinutes: 30,
  syncOnAgentQuiet: true,
  quietSeconds: 60,
  launchAtLogin: false,
  notifications: true,
  retention: DEFAULT_RETENTION,
  enabledAgents: ['claude-code'],
  pathMappings: [],
  theme: 'system',
  verifyData: true,
  ...patch,
});

export const job = (patch: Partial<JobInfo> = {}): JobInfo => ({
  id: 'job-1',
  kind: 'backup',
  status: 'running',
  startedAt: '2025-06-01T10:00:00.000Z',
  progress: { phase: 'uploading', filesDone: 1, filesTotal: 4, bytesDone: 100, bytesTotal: 400, uploadedBytes: 50 },
  ...patch,
});

export const device = (patch: Partial<DeviceInfo> = {}): DeviceInfo => ({
  id: '0123456789abcdef',
  name: 'Laptop',
  hostname: 'laptop',
  platform: 'linux',
  agents: ['claude-code'],
  lastSeen: '2025-06-01T10:00:00.000Z',
  isThisDevice: true,
  snapshotCount: 2,
  ...patch,
});

export const snapshot = (patch: Partial<SnapshotSummary> = {}): SnapshotSummary => ({
  id: 'aaaaaaaa11111111',
  shortId: 'aaaaaaaa',
  deviceId: '0123456789abcdef',
  deviceName: 'Laptop',
  time: '2025-06-01T10:00:00.000Z',
  reason: 'scheduled',
  pinned: false,
  roots: [{ label: 'claude-code', agent: 'claude-code', path: '/home/alice/.claude' }],
  stats: { files: 3, dirs: 1, bytes: 300, newBytes: 300, uploadedBytes: 200, newFiles: 3, changedFiles: 0, unchangedFiles: 0, secretsSkipped: 1, durationMs: 1200 },
  ...patch,
});

export const entry = (path: string, type: TreeEntryInfo['type'] = 'file', size = 10): TreeEntryInfo => ({
  name: path.slice(path.lastIndexOf('/') + 1),
  path,
  type,
  size,
  mtimeMs: Date.parse('2025-06-01T10:00:00.000Z'),
  mode: type === 'dir' ? 0o755 : 0o644,
});

export const conflict = (patch: Partial<ConflictInfo> = {}): ConflictInfo => ({
  id: 'c1',
  agent: 'claude-code',
  path: '/home/alice/.claude/projects/p/s.jsonl',
  theirsPath: '/home/alice/.claude/projects/p/s.conflict-mac.jsonl',
  otherDeviceId: 'fedcba9876543210',
  otherDeviceName: 'Mac',
  detectedAt: '2025-06-01T10:00:00.000Z',
  mineSize: 100,
  theirsSize: 120,
  mineMtime: '2025-06-01T09:00:00.000Z',
  theirsMtime: '2025-06-01T09:05:00.000Z',
  status: 'open',
  ...patch,
});
