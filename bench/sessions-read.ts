// What reading a home's sessions costs, agent by agent: every file a session reader recognises,
// read once for its metadata and (unless METADATA_ONLY=1) its search text written into a fresh
// index, on one worker thread, as the backup's session workers read them. The time per agent
// and its throughput show which reader a first backup's catalog waits for.
// Usage: node bench/sessions-read.ts HOME   (e.g. a home kept by CAIRN_BENCH_HOME for
// bench/sessions-catalog.ts; Aider histories are looked for under HOME/src)

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { isMainThread, Worker } from 'node:worker_threads';
import { ADAPTERS, AGENT_IDS, toBackupSources } from '../main/engine/agents/index.ts';
import { readFileSessions } from '../main/engine/catalog/read.ts';
import { SessionDb } from '../main/engine/catalog/session-db.ts';
import { readerFor } from '../main/engine/sessions/index.ts';
import { LocalBlobStore } from '../main/engine/storage/index.ts';
import { initRepo } from '../testing/repo.ts';

const home = process.argv[2];
if (!home) {
  console.error('Usage: node bench/sessions-read.ts HOME');
  process.exit(2);
}

if (isMainThread) {
  // The session workers read off the main thread (and read small files synchronously there).
  const worker = new Worker(new URL(import.meta.url), { argv: process.argv.slice(2), env: process.env });
  worker.on('exit', (code) => process.exit(code));
} else {
  const base = mkdtempSync(join(tmpdir(), 'cairn-sessions-read-'));
  const { repo } = await initRepo(new LocalBlobStore(join(base, 'vault')), join(base, 'state'), 'bench');
  const index = process.env.METADATA_ONLY === '1' ? undefined : new SessionDb(repo.db.db);
  const sources = await toBackupSources(ADAPTERS, { home, platform: process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux', env: {}, aiderRepos: [join(home, 'src')] }, AGENT_IDS);
  const filesUnder = (dir: string): string[] => {
    try {
      return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { name: string; parentPath: string; isFile(): boolean }[]).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    } catch {
      return [];
    }
  };
  const per = new Map<string, { files: number; bytes: number; sessions: number; ms: number }>();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (const source of sources) {
    if (!source.agent) continue;
    for (const file of filesUnder(source.path)) {
      const rel = relative(source.path, file).split(sep).join('/');
      if (!readerFor(source.agent, rel)) continue;
      const t = performance.now();
      let sessions = 0;
      try {
        sessions = (await readFileSessions(source.agent, source.path, rel, index ? { sessions: index, at: statSync(file).mtimeMs / 1000 } : undefined)).metas.length;
      } catch {
        // Counted as read: the bench measures the time, the tests what is read.
      }
      const s = per.get(source.agent) ?? { files: 0, bytes: 0, sessions: 0, ms: 0 };
      s.files++;
      s.bytes += statSync(file).size;
      s.sessions += sessions;
      s.ms += performance.now() - t;
      per.set(source.agent, s);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(`Every session of ${home} ${index ? 'read and indexed' : 'read (metadata only)'} on one worker thread: ${((performance.now() - started) / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (this process)`);
  console.log('agent          files  sessions       MB    time    MB/s');
  for (const [agent, s] of [...per].sort((a, b) => b[1].ms - a[1].ms)) {
    const mb = s.bytes / 2 ** 20;
    console.log(`${agent.padEnd(12)} ${String(s.files).padStart(7)} ${String(s.sessions).padStart(9)} ${mb.toFixed(1).padStart(8)} ${(s.ms / 1000).toFixed(1).padStart(6)} s ${(mb / (s.ms / 1000)).toFixed(0).padStart(7)}`);
  }
  await repo.close();
  rmSync(base, { recursive: true, force: true });
}
