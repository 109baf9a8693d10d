// The desktop app's scheduled sync with the default settings, measured the way it runs: the
// engine kept open in one process, every detected agent of $HOME backed up and then pulled into
// (operations.runSync: which agents are here, discovery, the backup, the pull), again and again.
// The CLI's `cairn backup` pays Node's start and the vault's opening on top; restic has no such
// mode, so this is Cairn's own figure for "it runs all day" (issue 15), not a comparison.
//
//   npm run build:cli && HOME=<agent home> node bench/app-syncs.ts --repo DIR [--count N] [--pause S] [--rest S] [--no-collect]
//
// A local-folder vault at DIR (created with the CLI, with a first backup, when missing; state in
// DIR.state). One sync is not timed (its backup may find changes), then N (default 8) in a row,
// each one's wall and CPU time (the whole process) printed, and the median; and the event loop's
// delay over those N (the app's UI answers on this thread: issue 15 wants p99 < 50 ms), and the
// process's RSS after each (issue 15: no higher after 100 than after 1; try --count 100).
// --pause S waits S seconds after each sync, as the app's schedule does, and prints the RSS
// then too (the event-loop figures leave the pauses out). As in the app, V8 is asked for a major
// collection once the process has been idle 2 s after a sync, and a last-resort one after 60 s
// (--rest S: after S seconds) (main/service/idle-collector.ts), so only with a pause longer than
// those; --no-collect leaves them out.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { contextFromProcess } from '../main/engine/agents/index.ts';
import { runSync } from '../main/engine/operations.ts';
import { openRepository } from '../main/cli/context.ts';
import { COLLECT_AFTER_MS, IdleCollector, REST_AFTER_MS, v8Collector } from '../main/service/idle-collector.ts';
import { benchArgs } from './args.ts';

const args = benchArgs({ strings: ['repo'], numbers: { count: 8, pause: 0, rest: REST_AFTER_MS / 1000 }, flags: ['no-collect'] });
if (!args.repo) throw new Error('usage: HOME=<agent home> node bench/app-syncs.ts --repo DIR [--count N]');
const repoDir = resolve(args.repo);
const stateDir = `${repoDir}.state`;
const count = Math.max(1, args.count);
process.env.CAIRN_PASSPHRASE ??= 'app-syncs benchmark passphrase';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'cairn.mjs');
if (!existsSync(join(repoDir, 'vault.json'))) {
  if (!existsSync(cli)) throw new Error('Build the CLI first: npm run build:cli');
  for (const argv of [['init'], ['backup']]) {
    process.stderr.write(`app-syncs: cairn ${argv[0]} ${repoDir} (HOME=${process.env.HOME ?? ''})\n`);
    const r = spawnSync(process.execPath, [cli, ...argv, '--repo', repoDir, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`cairn ${argv[0]} failed (exit ${r.status ?? r.signal})`);
  }
}

const repo = await openRepository({ repo: repoDir, stateDir });
const collector = new IdleCollector(args['no-collect'] ? undefined : v8Collector(), COLLECT_AFTER_MS, args.rest * 1000);
const ctx = contextFromProcess();
const sync = async () => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { backup } = await runSync(repo, { ctx, reason: 'scheduled', mappings: [] });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, unchanged: backup.unchanged };
};
try {
  await sync();
  // The event loop's delay during the syncs: one histogram per sync, so that pauses between them
  // (--pause) are not counted as delay.
  // (Each sync's figures are kept, not its histogram: a histogram holds native memory that would
  // show as growth in the RSS this measures.)
  const delays: { p99: number; max: number }[] = [];
  const runs: Awaited<ReturnType<typeof sync>>[] = [];
  const mib = (n: number) => (n / 2 ** 20).toFixed(0);
  for (let i = 0; i < count; i++) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    collector.busy();
    const r = await sync();
    collector.idle();
    delay.disable();
    delays.push({ p99: delay.percentile(99), max: delay.max });
    runs.push(r);
    const m = process.memoryUsage();
    process.stdout.write(`sync ${i + 1}: ${r.ms.toFixed(0)} ms, CPU ${r.cpuMs.toFixed(0)} ms, RSS after ${mib(m.rss)} MiB (heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)})${r.unchanged ? '' : ' (found changes)'}\n`);
    if (args.pause > 0) {
      // The app's schedule leaves minutes between syncs: what the process gives back meanwhile.
      await new Promise((resolve) => setTimeout(resolve, args.pause * 1000));
      const rest = process.memoryUsage();
      process.stdout.write(`  after ${args.pause} s idle: RSS ${mib(rest.rss)} MiB (heap ${mib(rest.heapUsed)} of ${mib(rest.heapTotal)}, external ${mib(rest.external)})\n`);
    }
  }
  const median = (k: 'ms' | 'cpuMs') => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? NaN;
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const p99 = Math.max(...delays.map((d) => d.p99));
  const max = Math.max(...delays.map((d) => d.max));
  process.stdout.write(`median of ${runs.length}: ${median('ms').toFixed(0)} ms, CPU ${median('cpuMs').toFixed(0)} ms; event-loop delay p99 ${ms(p99)} ms (the worst sync's), max ${ms(max)} ms\n`);
} finally {
  await repo.close();
}
