// Issue 5's measurement (a benchmark, not a test): the main-thread event-loop delay while the
// engine backs up the benchmark's default dataset in-process, the way the Electron main process
// runs it (worker threads = cores - 1, so the main thread keeps a core for tray clicks and IPC).
//
//   node bench/event-loop.ts [--size MiB]

import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generateAgentHome, rng, transcriptLine } from '../testing/agent-home.ts';
import { ADAPTERS, AGENT_IDS, copySqliteConsistent, toBackupSources } from '../main/engine/agents/index.ts';
import { runBackup } from '../main/engine/operations.ts';
import { backup } from '../main/engine/backup/index.ts';
import { Repository } from '../main/engine/repository.ts';
import { restore } from '../main/engine/restore/index.ts';
import { LocalBlobStore } from '../main/engine/storage/index.ts';
import { createWorkerCodec } from '../main/engine/workers/index.ts';
import { benchArgs } from './args.ts';

const sizeMiB = benchArgs({ numbers: { size: 300 } }).size || 300;
const work = mkdtempSync(join(tmpdir(), 'cairn-eld-'));
const home = join(work, 'home');
process.stderr.write(`event-loop: generating ${sizeMiB} MiB\n`);
const summary = generateAgentHome(home, { seed: 42, sizeMiB, smallFiles: Math.round((sizeMiB * 2500) / 300) });
const threads = Math.max(1, availableParallelism() - 1);
const { repo } = await Repository.init({
  store: new LocalBlobStore(join(work, 'vault'), { fsync: false }),
  stateDir: join(work, 'state'),
  passphrase: 'event loop benchmark',
  makeCodec: (v) => createWorkerCodec(v, { threads }),
});

async function measure(name: string, fn: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = Date.now();
  await fn();
  h.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(`${name.padEnd(16)} ${String(Date.now() - t).padStart(6)} ms   event-loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`);
  return h.percentile(99) / 1e6;
}

console.log(`Main-thread event-loop delay, ${threads} worker thread(s), ${sizeMiB} MiB agent home\n`);
let snapshotId = '';
const p99 = await measure('initial backup', async () => {
  const r = await backup({ vault: repo.vault, db: repo.db, codec: repo.codec, sources: [{ label: 'home', path: home, sqlite: ['**/*.sqlite'] }], device: repo.device, reason: 'scheduled', tmpDir: repo.tmpDir, copySqlite: async (s, d) => void (await copySqliteConsistent(s, d)) });
  snapshotId = r.snapshotId as string;
});
await measure('full restore', async () => restore({ vault: repo.vault, db: repo.db, codec: repo.codec, snapshot: await repo.findSnapshot(snapshotId), target: join(work, 'restore') }));
// The app's own backups: every detected agent, with the session catalog and search index, as the
// scheduler runs them all day: the first, one after a session grew, and one with nothing changed.
const sources = await toBackupSources(ADAPTERS, { home, platform: process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux', env: {}, aiderRepos: [] }, AGENT_IDS);
const scheduled = () => runBackup(repo, { sources, reason: 'scheduled' });
const worst = [p99];
worst.push(await measure('agents, first', scheduled));
const r = rng(7);
const grown = summary.transcripts[0] as string;
for (let i = 0; i < 20; i++) appendFileSync(grown, `${transcriptLine(r, 'grown', Date.now() + i)}\n`);
worst.push(await measure('agents, grown', scheduled));
worst.push(await measure('agents, no change', scheduled));
const max = Math.max(...worst);
console.log(`\nTarget: p99 < 50 ms during every backup: ${max < 50 ? 'met' : 'MISSED'} (worst ${max.toFixed(1)} ms)`);
await repo.close();
rmSync(work, { recursive: true, force: true });
