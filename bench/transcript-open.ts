// How long the main process takes to answer what the transcript viewer asks when a long session
// is opened from a snapshot (issue 11: first message on screen ≤ 500 ms): 'snapshots.session'
// (is it a session, its title) and the first 'snapshots.sessionPage', cold (first open) and
// warm, then the scan of every page. The renderer's share is what e2e/transcript-viewer.spec.ts
// prints minus these.
//
//   node bench/transcript-open.ts --mb 20 --sessions 2000

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LONG_PROJECT, LONG_SESSION_ID, writeLongSession, writeManySessions } from '../e2e/fixtures/big-home.ts';
import { createCairnService } from '../main/service/index.ts';
import { MemorySecretStore } from '../main/keychain/index.ts';
import { benchArgs } from './args.ts';

const args = benchArgs({ numbers: { mb: 20, sessions: 2000, page: 100, runs: 3 } });
const root = mkdtempSync(join(tmpdir(), 'cairn-bench-open-'));
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

try {
  const home = join(root, 'home');
  const projects = join(home, '.claude', 'projects');
  await writeLongSession(join(projects, LONG_PROJECT), args.mb * 1_000_000);
  if (args.sessions > 0) writeManySessions(projects, args.sessions, 100_000);
  const service = await createCairnService({ stateDir: join(root, 'state'), secrets: new MemorySecretStore(), home, env: {}, platform: 'linux' });
  const h = service.handlers;
  await h['setup.createVault']({ location: { provider: 'local', prefix: '', path: join(root, 'vault') }, passphrase: 'a long passphrase', deviceName: 'bench' });
  let t = performance.now();
  const { jobId } = await h['sync.now']({});
  for (;;) {
    const job = (await h['jobs.list']({})).find((j) => j.id === jobId);
    if (job && job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`home: ${args.sessions} sessions + a ${args.mb} MB transcript; first backup ${ms(t)}`);
  const [latest] = await h['snapshots.list']({});
  const snapshotId = latest!.id;
  const root0 = latest!.roots.find((r) => r.agent === 'claude-code')!;
  const path = `${root0.label}/projects/${LONG_PROJECT}/${LONG_SESSION_ID}.jsonl`;
  for (let run = 0; run < args.runs; run++) {
    // A new snapshot id each run is not possible without a new backup: the first run is the cold one.
    t = performance.now();
    const info = await h['snapshots.session']({ snapshotId, path });
    const tInfo = ms(t);
    t = performance.now();
    const page = await h['snapshots.sessionPage']({ snapshotId, path, limit: args.page });
    const tPage = ms(t);
    console.log(`run ${run + 1}${run === 0 ? ' (cold)' : ''}: snapshots.session ${tInfo} (${info?.title ?? 'no title'}); first page of ${page.items.length} items ${tPage}`);
  }
  t = performance.now();
  const scan = await h['snapshots.sessionScan']({ snapshotId, path, pageSize: args.page });
  console.log(`scan of ${scan.total} items (${scan.cursors.length} page cursors): ${ms(t)}`);
  await service.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
