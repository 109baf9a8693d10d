// DEV ONLY: a throwaway in-memory stand-in for the application service, to look at the UI
// (`node e2e/dev/serve.ts --fake`) before or beside the real one. It is never used by the e2e
// specs, which run the real service, and it is never part of the renderer bundle.

import { CairnError } from '../../shared/errors.ts';
import type { EventName, Events, FilePreview, Handlers, ParsedRequestOf, SetupResult } from '../../shared/ipc/contract.ts';
import type {
  AgentInfo,
  ConflictInfo,
  DeviceInfo,
  DiffEntry,
  EngineStatus,
  JobInfo,
  JobKind,
  Settings,
  SnapshotReason,
  SnapshotSummary,
  TreeEntryInfo,
} from '../../shared/models.ts';
import { DEFAULT_RETENTION } from '../../shared/models.ts';
import { claudeSessionLines, codexRolloutLines, toJsonl } from '../fixtures/transcripts.ts';

export interface FakeService {
  handlers: Handlers;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

const THIS = 'a1b2c3d4e5f60718';
const OTHER = '0f1e2d3c4b5a6978';
const HOUR = 3_600_000;

function hex(n: number, len: number): string {
  let s = '';
  let x = n * 2654435761;
  while (s.length < len) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, len);
}

export function createFakeService(options: { configured?: boolean; now?: number } = {}): FakeService {
  const now = options.now ?? Date.now();
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    for (const l of listeners.get(event) ?? []) (l as (p: Events[E]) => void)(payload);
  };

  let status: EngineStatus = options.configured
    ? { state: 'idle', lastSyncAt: new Date(now - 4 * 60_000).toISOString(), nextSyncAt: new Date(now + 26 * 60_000).toISOString(), outboxCount: 0, fingerprint: '4f3a9c21', deviceName: 'Work laptop' }
    : { state: 'unconfigured', outboxCount: 0 };
  let settings: Settings = {
    intervalMinutes: 30,
    syncOnAgentQuiet: true,
    quietSeconds: 60,
    launchAtLogin: true,
    notifications: true,
    retention: DEFAULT_RETENTION,
    enabledAgents: ['claude-code', 'codex', 'goose'],
    pathMappings: [{ from: '/Users/alice', to: '/home/alice' }],
    theme: 'system',
    verifyData: true,
  };
  const agents: AgentInfo[] = [
    agent('claude-code', 'Claude Code', true, ['/home/alice/.claude'], 412, 38_400_000, 57),
    agent('codex', 'Codex', true, ['/home/alice/.codex'], 96, 12_900_000, 31),
    agent('goose', 'Goose', true, ['/home/alice/.local/share/goose'], 4, 3_100_000, 12),
    agent('cursor', 'Cursor', true, ['/home/alice/.config/Cursor/User'], 9, 22_500_000, 8),
    agent('gemini-cli', 'Gemini CLI', false, ['/home/alice/.gemini'], 0, 0, 0),
    agent('aider', 'Aider', false, ['/home/alice/.aider'], 0, 0, 0),
  ];
  const devices: DeviceInfo[] = [
    { id: THIS, name: 'Work laptop', hostname: 'alice-x1', platform: 'linux', agents: ['claude-code', 'codex', 'goose'], lastSeen: new Date(now - 4 * 60_000).toISOString(), isThisDevice: true, snapshotCount: 0, lastSnapshot: undefined },
    { id: OTHER, name: 'Studio Mac', hostname: 'alices-mac-studio', platform: 'darwin', agents: ['claude-code', 'cursor'], lastSeen: new Date(now - 3 * HOUR).toISOString(), isThisDevice: false, snapshotCount: 0, lastSnapshot: undefined },
  ];
  const snapshots: SnapshotSummary[] = [];
  const reasons: SnapshotReason[] = ['scheduled', 'scheduled', 'scheduled', 'manual', 'scheduled', 'sync'];
  for (const [d, device] of devices.entries()) {
    for (let i = 0; i < 40; i += 1) {
      const id = hex(d * 1000 + i + 1, 64);
      snapshots.push({
        id,
        shortId: id.slice(0, 8),
        deviceId: device.id,
        deviceName: device.name,
        time: new Date(now - (i * 2.7 + d * 1.3 + 0.07) * HOUR).toISOString(),
        reason: i === 7 ? 'before-restore' : (reasons[i % reasons.length] ?? 'scheduled'),
        pinned: i === 5,
        roots: [
          { label: 'claude-code', agent: 'claude-code', path: device.platform === 'darwin' ? '/Users/alice/.claude' : '/home/alice/.claude' },
          { label: 'codex', agent: 'codex', path: '/home/alice/.codex' },
        ],
        stats: { files: 520 - i, dirs: 44, bytes: 51_000_000 - i * 120_000, newBytes: 80_000 + i * 1000, uploadedBytes: 31_000 + i * 900, newFiles: i % 4, changedFiles: (i * 3) % 7, unchangedFiles: 500, secretsSkipped: 2, durationMs: 1800 + i * 40 },
        parent: undefined,
      });
    }
  }
  for (const device of devices) {
    const mine = snapshots.filter((s) => s.deviceId === device.id).sort((a, b) => a.time.localeCompare(b.time));
    mine.forEach((s, i) => {
      if (i > 0) s.parent = mine[i - 1]?.id;
    });
    device.snapshotCount = mine.length;
    device.lastSnapshot = mine[mine.length - 1]?.time;
  }
  const claude = toJsonl(claudeSessionLines());
  const codex = toJsonl(codexRolloutLines());
  const tree: Record<string, TreeEntryInfo[]> = {};
  const mtime = now - 5 * HOUR;
  const put = (dir: string, name: string, type: 'file' | 'dir', size = 0): void => {
    const path = dir ? `${dir}/${name}` : name;
    (tree[dir] ??= []).push({ name, path, type, size, mtimeMs: mtime - size, mode: type === 'dir' ? 0o755 : 0o644 });
    if (type === 'dir') tree[path] ??= [];
  };
  put('', 'claude-code', 'dir');
  put('', 'codex', 'dir');
  put('claude-code', 'projects', 'dir');
  put('claude-code', 'todos', 'dir');
  put('claude-code', 'CLAUDE.md', 'file', 1200);
  put('claude-code', 'history.jsonl', 'file', 18_400);
  put('claude-code', 'settings.json', 'file', 310);
  put('claude-code/projects', '-home-alice-src-app', 'dir');
  put('claude-code/projects', '-home-alice-src-lib', 'dir');
  put('claude-code/projects/-home-alice-src-app', '7f3c2a1e-9b4d-4e21-8c6a-2d5f0e9b1a77.jsonl', 'file', claude.length);
  put('claude-code/projects/-home-alice-src-app', 'b81d9e02-11aa-4c2e-9f3b-55c1e0a7d6f4.jsonl', 'file', 242_000);
  put('claude-code/projects/-home-alice-src-lib', '2c9e7d10-4b3a-4f6e-a1d2-8e7f6c5b4a39.jsonl', 'file', 88_000);
  for (let i = 0; i < 2000; i += 1) put('claude-code/todos', `${hex(i + 7, 8)}-agent-${hex(i + 9, 8)}.json`, 'file', 90 + (i % 50));
  put('codex', 'sessions', 'dir');
  put('codex', 'config.toml', 'file', 240);
  put('codex/sessions', '2025', 'dir');
  put('codex/sessions/2025', `rollout-2025-06-04T14-02-00-0199a1b2.jsonl`, 'file', codex.length);

  let pendingRecoveryKey: string | undefined;
  let conflicts: ConflictInfo[] = [
    {
      id: 'c1',
      agent: 'claude-code',
      path: '/home/alice/.claude/projects/-home-alice-src-app/b81d9e02-11aa-4c2e-9f3b-55c1e0a7d6f4.jsonl',
      theirsPath: '/home/alice/.claude/projects/-home-alice-src-app/b81d9e02-11aa-4c2e-9f3b-55c1e0a7d6f4.conflict-Studio-Mac-20250604-1402.jsonl',
      otherDeviceId: OTHER,
      otherDeviceName: 'Studio Mac',
      detectedAt: new Date(now - 50 * 60_000).toISOString(),
      mineSize: 242_000,
      theirsSize: 239_800,
      mineMtime: new Date(now - 70 * 60_000).toISOString(),
      theirsMtime: new Date(now - 65 * 60_000).toISOString(),
      status: 'open',
    },
    {
      id: 'c2',
      agent: 'codex',
      path: '/home/alice/.codex/history.jsonl',
      theirsPath: '/home/alice/.codex/history.conflict-Studio-Mac.jsonl',
      otherDeviceId: OTHER,
      otherDeviceName: 'Studio Mac',
      detectedAt: new Date(now - 30 * HOUR).toISOString(),
      mineSize: 1200,
      theirsSize: 1100,
      mineMtime: new Date(now - 31 * HOUR).toISOString(),
      theirsMtime: new Date(now - 31 * HOUR).toISOString(),
      status: 'resolved',
      resolution: 'both',
    },
  ];
  const jobs: JobInfo[] = options.configured
    ? [
        job('j3', 'backup', 'done', now - 4 * 60_000, 2100, 'Backed up 3 changed files (41 KB uploaded)'),
        job('j2', 'sync', 'done', now - 34 * 60_000, 900, 'Pulled 2 sessions from Studio Mac'),
        job('j1', 'check', 'done', now - 26 * HOUR, 15_000, 'All 80 snapshots verified'),
        { ...job('j0', 'backup', 'failed', now - 28 * HOUR, 30_000, undefined), error: { code: 'unreachable', message: 'Could not connect to https://3f2a…r2.cloudflarestorage.com: getaddrinfo ENOTFOUND', retryable: true } },
      ]
    : [];
  let jobSeq = 10;

  const runJob = (kind: JobKind, summary: string, ms = 2500, after?: () => void): string => {
    const id = `j${jobSeq++}`;
    const started = Date.now();
    const info: JobInfo = { id, kind, status: 'running', startedAt: new Date(started).toISOString(), progress: { phase: 'scanning', filesDone: 0, filesTotal: 520, bytesDone: 0, bytesTotal: 51_000_000, uploadedBytes: 0 } };
    jobs.unshift(info);
    if (kind === 'backup' || kind === 'sync') {
      status = { ...status, state: 'syncing', currentJob: info };
      emit('status.changed', status);
    }
    const tick = setInterval(() => {
      const f = Math.min(1, (Date.now() - started) / ms);
      info.progress = { phase: f < 0.2 ? 'scanning' : f < 0.9 ? 'uploading' : 'finishing', filesDone: Math.round(520 * f), filesTotal: 520, bytesDone: Math.round(51_000_000 * f), bytesTotal: 51_000_000, uploadedBytes: Math.round(9_400_000 * f), currentPath: '/home/alice/.claude/projects/-home-alice-src-app/b81d9e02.jsonl' };
      if (f >= 1) {
        clearInterval(tick);
        info.status = 'done';
        info.finishedAt = new Date().toISOString();
        info.summary = summary;
        after?.();
        if (kind === 'backup' || kind === 'sync') {
          status = { ...status, state: 'idle', currentJob: undefined, lastSyncAt: info.finishedAt, nextSyncAt: new Date(Date.now() + 30 * 60_000).toISOString() };
          emit('status.changed', status);
        }
      } else if (status.currentJob?.id === id) {
        status = { ...status, currentJob: { ...info } };
      }
      emit('job.progress', { ...info, progress: { ...info.progress } });
    }, 200);
    return id;
  };

  const setupResult = (name?: string): SetupResult => {
    status = { state: 'idle', outboxCount: 0, fingerprint: '4f3a9c21', deviceName: name ?? 'Work laptop', nextSyncAt: new Date(Date.now() + 30 * 60_000).toISOString() };
    emit('status.changed', status);
    return { fingerprint: '4f3a9c21', deviceId: THIS, deviceName: status.deviceName ?? '' };
  };

  const probe = (req: ParsedRequestOf<'setup.testConnection'>): Promise<Awaited<ReturnType<Handlers['setup.testConnection']>>> =>
    new Promise((resolve) =>
      setTimeout(() => {
        const loc = req.location;
        if (loc.endpoint?.includes('dead')) resolve({ ok: false, vaultExists: false, steps: [{ step: 'list', ok: false, error: { code: 'unreachable', message: `Could not connect to ${loc.endpoint}: connect ECONNREFUSED 127.0.0.1:9`, retryable: true } }] });
        else if (loc.bucket === 'missing') resolve({ ok: false, vaultExists: false, steps: [{ step: 'list', ok: false, error: { code: 'bucket_not_found', message: `The bucket 'missing' does not exist at ${loc.endpoint ?? 'AWS'}. Create it or fix the name.`, retryable: false } }] });
        else if (req.credentials?.secretAccessKey === 'wrong') resolve({ ok: false, vaultExists: false, steps: [{ step: 'list', ok: false, error: { code: 'access_denied', message: 'SignatureDoesNotMatch: the secret access key is wrong.', retryable: false } }] });
        else resolve({ ok: true, vaultExists: loc.bucket === 'existing', steps: (['list', 'write', 'read', 'delete'] as const).map((step) => ({ step, ok: true })) });
      }, 700),
    );

  const preview = (text: string): FilePreview => ({ size: text.length, truncated: false, binary: false, text });

  const agentFolders = { added: [] as string[], removed: [] as string[] };
  const handlers: Handlers = {
    'status.get': async () => status,
    'sync.now': async () => ({ jobId: runJob('backup', 'Backed up 520 files, 51 MB (9.4 MB uploaded after deduplication and compression)') }),
    'sync.pause': async ({ minutes }) => {
      status = { ...status, state: 'paused', pausedUntil: new Date(Date.now() + minutes * 60_000).toISOString() };
      emit('status.changed', status);
      return status;
    },
    'sync.resume': async () => {
      status = { ...status, state: 'idle', pausedUntil: undefined };
      emit('status.changed', status);
      return status;
    },
    'jobs.list': async () => jobs.map((j) => ({ ...j })),
    'jobs.cancel': async () => ({ cancelled: false }),
    'devices.list': async () => devices,
    'devices.renameThis': async ({ name }) => {
      const d = devices.find((x) => x.isThisDevice);
      if (!d) throw new CairnError('not_found', 'No device');
      d.name = name;
      status = { ...status, deviceName: name };
      emit('status.changed', status);
      return d;
    },
    'devices.adopt': async ({ deviceId }) => {
      const old = devices.find((x) => x.id === deviceId && !x.isThisDevice);
      if (!old) throw new CairnError('not_found', `No other device with id ${deviceId}.`);
      devices.splice(devices.findIndex((x) => x.isThisDevice), 1);
      old.isThisDevice = true;
      status = { ...status, deviceName: old.name };
      emit('status.changed', status);
      return old;
    },
    'snapshots.list': async ({ deviceId }) => snapshots.filter((s) => !deviceId || s.deviceId === deviceId),
    'snapshots.tree': async ({ path }) => {
      const entries = tree[path];
      if (!entries) throw new CairnError('not_found', `No folder ${path} in this snapshot.`);
      return entries;
    },
    'snapshots.readFile': async ({ path }) => {
      await new Promise((r) => setTimeout(r, 150));
      if (path.includes('7f3c2a1e')) return preview(claude);
      if (path.includes('rollout-')) return preview(codex);
      if (path.endsWith('.jsonl')) return preview(toJsonl(claudeSessionLines({ sessionId: 'b81d9e02-11aa-4c2e-9f3b-55c1e0a7d6f4' }).slice(0, 9)));
      if (path.endsWith('CLAUDE.md')) return preview('# Personal instructions\n\n- Prefer small commits.\n- Run the tests before pushing.\n- Use pnpm, not npm.\n');
      return preview(JSON.stringify({ model: 'opus', cleanupPeriodDays: 30 }, null, 2));
    },
    'snapshots.diff': async () => {
      const entries: DiffEntry[] = [
        { path: 'claude-code/projects/-home-alice-src-app/7f3c2a1e-9b4d-4e21-8c6a-2d5f0e9b1a77.jsonl', change: 'changed', sizeBefore: 9100, sizeAfter: claude.length },
        { path: 'claude-code/history.jsonl', change: 'changed', sizeBefore: 18_100, sizeAfter: 18_400 },
        { path: 'claude-code/projects/-home-alice-src-lib/2c9e7d10-4b3a-4f6e-a1d2-8e7f6c5b4a39.jsonl', change: 'added', sizeAfter: 88_000 },
        { path: 'claude-code/todos/3a9f1c2e-agent-3a9f1c2e.json', change: 'removed', sizeBefore: 120 },
      ];
      return entries;
    },
    'snapshots.restorePlan': async ({ target, overwrite }) => ({
      files: 1,
      bytes: 12_288,
      targets: [target.kind === 'folder' ? target.path : '/home/alice/.claude/projects/-home-alice-src-app'],
      writeFiles: overwrite ? 1 : 0,
      writeBytes: overwrite ? 12_288 : 0,
      unchanged: 0,
      existing: 1,
      existingSample: ['/home/alice/.claude/projects/-home-alice-src-app/7f3c.jsonl'],
      existingAction: overwrite ? 'overwrite' : 'keep',
      safetySnapshot: overwrite,
      heldBack: 0,
      heldBackSample: [],
      withoutCredentials: 0,
      withoutCredentialsSample: [],
      renamed: 0,
      renamedSample: [],
    }),
    'snapshots.restore': async () => ({ jobId: runJob('restore', 'Restored 1 file (12 KB)', 1200) }),
    'snapshots.pin': async ({ snapshotId, pinned }) => {
      const s = snapshots.find((x) => x.id === snapshotId);
      if (!s) throw new CairnError('not_found', 'No such snapshot.');
      s.pinned = pinned;
      return { ...s };
    },
    'conflicts.list': async () => conflicts,
    'conflicts.get': async ({ id }) => {
      const c = conflicts.find((x) => x.id === id);
      if (!c) throw new CairnError('not_found', 'No such conflict.');
      const lines = claudeSessionLines({ sessionId: 'b81d9e02-11aa-4c2e-9f3b-55c1e0a7d6f4' }).filter((l): l is Record<string, unknown> => typeof l !== 'string');
      const base = toJsonl(lines.slice(0, 8));
      const mine = `${base}${JSON.stringify({ type: 'user', message: { role: 'user', content: 'Run the linter too.' }, timestamp: new Date(now - 70 * 60_000).toISOString() })}\n`;
      const theirs = `${base}${JSON.stringify({ type: 'user', message: { role: 'user', content: 'Ship it — open a PR.' }, timestamp: new Date(now - 65 * 60_000).toISOString() })}\n${JSON.stringify({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: 'Opened #142.' }] } })}\n`;
      return { conflict: c, mine: preview(mine), theirs: preview(theirs) };
    },
    'conflicts.resolve': async ({ id, keep }) => {
      conflicts = conflicts.map((c) => (c.id === id ? { ...c, status: 'resolved', resolution: keep } : c));
      emit('conflicts.changed', conflicts);
      const c = conflicts.find((x) => x.id === id);
      if (!c) throw new CairnError('not_found', 'No such conflict.');
      return c;
    },
    'key.fingerprint': async () => ({ fingerprint: '4f3a9c21' }),
    'key.changePassphrase': async ({ current }) => {
      if (current !== 'correct horse battery staple') throw new CairnError('wrong_key', 'The passphrase does not unlock this vault.');
      return { fingerprint: '4f3a9c21' };
    },
    'key.rotateRecovery': async ({ passphrase }) => {
      if (passphrase !== 'correct horse battery staple') throw new CairnError('wrong_key', 'The passphrase does not unlock this vault.');
      pendingRecoveryKey = 'CRN1-7H2K-Q9XM-4TPA-8WZD-R3FN-6VBE-J5LC';
      return { recoveryKey: pendingRecoveryKey };
    },
    'key.recoveryRotation': async () => (pendingRecoveryKey ? { recoveryKey: pendingRecoveryKey } : {}),
    'key.confirmRecovery': async () => {
      if (!pendingRecoveryKey) throw new CairnError('not_found', 'No new recovery key is waiting for confirmation.');
      pendingRecoveryKey = undefined;
      return { fingerprint: '4f3a9c21' };
    },
    'key.cancelRecovery': async () => {
      const cancelled = pendingRecoveryKey !== undefined;
      pendingRecoveryKey = undefined;
      return { cancelled };
    },
    'settings.get': async () => settings,
    'settings.set': async (patch) => {
      settings = { ...settings, ...patch };
      for (const a of agents) a.enabled = settings.enabledAgents.includes(a.id);
      return settings;
    },
    'agents.list': async () => agents,
    'setup.testConnection': probe,
    'setup.createVault': async ({ deviceName }) => {
      await new Promise((r) => setTimeout(r, 600));
      return { ...setupResult(deviceName), recoveryKey: 'CRN1-8K3D-M2QX-7TZP-4WRA-N6FE-9VBH-C5LJ' };
    },
    'setup.joinVault': async ({ secret, deviceName }) => {
      if ('passphrase' in secret && secret.passphrase === 'wrong') throw new CairnError('wrong_key', 'The passphrase or recovery key does not unlock this vault. Check it and try again.');
      return setupResult(deviceName);
    },
    'setup.unlock': async () => setupResult(status.deviceName),
    'vault.stats': async () => ({ snapshots: snapshots.length, devices: 2, packs: 14, storedBytes: 186_400_000, provider: 'r2', location: 'r2://cairn-alice/cairn' }),
    'vault.check': async () => ({ jobId: runJob('check', 'The vault is healthy.', 900) }),
    'vault.checkReport': async () => ({ ok: true, snapshots: snapshots.length, packs: 14, blobs: 3120, bytesRead: 0, problems: [] }),
    'vault.prunePreview': async () => ({ forget: snapshots.slice(-2).map((x) => ({ ...x })), keep: Math.max(0, snapshots.length - 2), packsDeleted: 1, packsRepacked: 0, bytesFreed: 4_194_304, packsMarked: 2, bytesMarked: 12_582_912, deleteAfter: new Date(Date.now() + 86_400_000).toISOString() }),
    'vault.prune': async () => ({ jobId: runJob('prune', 'Removed 6 snapshots and 2 packs (4.1 MB)', 1500) }),
    'vault.repair': async () => ({ jobId: runJob('repair', 'Nothing to repair: every pack the index lists is in the vault, and every folder listing the snapshots use is indexed or already recorded as lost.', 800) }),
    'app.openExternal': async () => ({ opened: true }),
    'app.chooseFolder': async () => ({ path: '/media/alice/Backup/cairn' }),
    'agents.paths': async () => ({ ...agentFolders, defaults: ['src', 'code', 'projects'].map((f) => `/home/alice/${f}`), home: '/home/alice' }),
    'agents.updatePaths': async ({ add, remove }) => {
      for (const p of add ?? []) if (!agentFolders.added.includes(p)) agentFolders.added.push(p.replace(/^~/, '/home/alice'));
      agentFolders.added = agentFolders.added.filter((p) => !(remove ?? []).includes(p));
      return { ...agentFolders, defaults: ['src', 'code', 'projects'].map((f) => `/home/alice/${f}`), home: '/home/alice' };
    },
    'setup.createBucket': async () => ({ bucket: 'created' }),
    'setup.progress': async () => ({}),
    'setup.saveProgress': async () => ({ saved: true }),
    'setup.confirmRecoveryKey': async () => ({ confirmed: true }),
    'setup.finish': async () => ({ finished: true }),
    'setup.location': async () => ({ location: { provider: 'r2', bucket: 'cairn-alice', prefix: 'cairn', endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com', region: 'auto' }, hasCredentials: true }),
    // Sessions: look at them with the real service (`node e2e/dev/serve-real.ts`); the fake has none.
    'sessions.list': async () => [],
    'sessions.search': async () => [],
    'sessions.page': async () => ({ items: [], from: 'local' }),
    'sessions.scan': async () => ({ total: 0, cursors: [] }),
    // The fake has no session readers: files open as raw text.
    'snapshots.session': async () => null,
    'snapshots.sessionPage': async () => ({ items: [], from: 'vault' }),
    'snapshots.sessionScan': async () => ({ total: 0, cursors: [], hits: [], hitsCapped: false }),
    'snapshots.titles': async () => ({}),
    'sessions.continue': async () => {
      throw new CairnError('not_found', 'The fake service has no sessions.');
    },
    'sessions.export': async () => {
      throw new CairnError('not_found', 'The fake service has no sessions.');
    },
  };

  return {
    handlers,
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}

function agent(id: string, displayName: string, detected: boolean, roots: string[], files: number, bytes: number, sessions: number): AgentInfo {
  return {
    id,
    displayName,
    detected,
    enabled: detected && id !== 'cursor',
    roots: roots.map((path) => ({ path, exists: detected, files, bytes })),
    files,
    bytes,
    sessions,
    include: id === 'claude-code' ? ['projects/**', 'todos/**', 'history.jsonl', 'CLAUDE.md', 'settings.json', 'commands/**'] : ['**'],
    exclude: id === 'claude-code' ? ['debug/**', 'statsig/**', 'shell-snapshots/**', 'ide/**'] : ['log/**', '**/*.log'],
    secrets: id === 'claude-code' ? ['.credentials.json'] : id === 'codex' ? ['auth.json'] : ['secrets.yaml'],
    syncable: id === 'claude-code' ? ['projects/**/*.jsonl', 'history.jsonl'] : id === 'codex' ? ['sessions/**/*.jsonl'] : [],
  };
}

function job(id: string, kind: JobKind, status: JobInfo['status'], finished: number, duration: number, summary: string | undefined): JobInfo {
  return {
    id,
    kind,
    status,
    startedAt: new Date(finished - duration).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    progress: { phase: 'done', filesDone: 520, filesTotal: 520, bytesDone: 51_000_000, bytesTotal: 51_000_000, uploadedBytes: 41_000 },
    summary,
  };
}
