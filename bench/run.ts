// The benchmark (not a test): Cairn against restic on the same agent-like home, through the
// same S3 server and the same counting proxy. Steps: initial backup, no-change backup (and the
// same in one long-lived process, as the app runs it), backup after a day of agent activity (and
// after a second day, the app's way), full restore, one-file restore. Prints wall time, peak RSS,
// requests, bytes up and bytes stored side by side, checks the targets of the engine issue, and
// writes bench/results/latest.json.
//
//   npm run bench                       default size (about 300 MiB, ~2,600 files)
//   npm run bench -- --size 60          a smaller home (MiB)
//   npm run bench -- --scale 4          the issue's scale N: 341·N MiB (scale 1 ≈ 358 MB, ~3,000 files)
//   npm run bench -- --no-restic        Cairn only

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateAgentHome, mutateAgentHome } from '../testing/agent-home.ts';
import { startS3Server } from '../testing/s3-server.ts';
import { S3BlobStore } from '../main/engine/storage/index.ts';
import { startCountingProxy } from './counting-proxy.ts';
import { benchArgs } from './args.ts';
import type { Counters } from './counting-proxy.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = benchArgs({ numbers: { scale: 0, size: 300 }, flags: ['no-restic'] });
const scale = args.scale;
const sizeMiB = scale > 0 ? Math.round(341 * scale) : args.size || 300;
const withRestic = !args['no-restic'] && existsSync('/usr/bin/restic');
const CLI = existsSync(join(ROOT, 'dist/cli/cairn.mjs')) ? join(ROOT, 'dist/cli/cairn.mjs') : join(ROOT, 'main/cli/cairn.ts');

interface StepResult {
  wallMs: number;
  peakRssKiB: number;
  cpuMs: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  storedBytes?: number;
}

// Peak RSS is GNU time's maximum resident set of the process (Cairn's worker threads live in it;
// restic is one process); CPU is user + system time of the process and anything it waited for.
async function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; peakRssKiB: number; cpuMs: number; stdout: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', cmd, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const lines = stderr.trim().split('\n');
      const [rss, user, sys] = (lines.at(-1) ?? '').split(' ').map(Number);
      const peakRssKiB = rss ?? NaN;
      const cpuMs = ((user ?? NaN) + (sys ?? NaN)) * 1000;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ wallMs, peakRssKiB, cpuMs, stdout });
    });
  });
}

/**
 * The engine kept open in one long-lived process, as the app runs it (bench/app-backups.ts):
 * `backup()` runs one backup there and counts its requests at the proxy; `close()` ends the
 * process and gives its peak RSS (its opening and every backup included).
 */
async function startApp(node: string, argv: string[], env: NodeJS.ProcessEnv, proxy: { reset(): void; counters(): Counters }) {
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', node, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`app-backups.ts ended early:\n${stderr.slice(-2000)}`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error(`app-backups.ts did not start:\n${stderr.slice(-2000)}`);
  return {
    async backup(): Promise<Omit<StepResult, 'peakRssKiB'> & { unchanged: boolean }> {
      proxy.reset();
      child.stdin.write('go\n');
      const r = JSON.parse(await next()) as { ms: number; cpuMs: number; unchanged: boolean };
      const c = proxy.counters();
      return { wallMs: r.ms, cpuMs: r.cpuMs, unchanged: r.unchanged, requests: c.requests, bytesUp: c.bytesUp, bytesDown: c.bytesDown };
    },
    async close(): Promise<number> {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`app-backups.ts exited ${code}:\n${stderr.slice(-2000)}`);
      return Number((stderr.trim().split('\n').at(-1) ?? '').split(' ')[0]);
    },
  };
}

function fmtMs(ms: number) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
function fmtBytes(n: number | undefined) {
  if (n === undefined) return '-';
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

async function main() {
  const loadStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  const work = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`bench: generating a ${sizeMiB} MiB agent home in ${work}`);
  const home = join(work, 'home');
  const summary = generateAgentHome(home, { seed: 42, sizeMiB, smallFiles: Math.max(200, Math.round((sizeMiB * 2500) / 300)) });
  log(`bench: ${summary.files} files, ${fmtBytes(summary.bytes)}`);
  const server = await startS3Server({ buckets: ['bench'] });
  const proxy = await startCountingProxy(server.endpoint, work);
  const direct = (prefix: string) => new S3BlobStore({ bucket: 'bench', prefix, endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  const stored = async (prefix: string) => {
    let n = 0;
    const s = direct(prefix);
    for await (const o of s.list('')) n += o.size;
    await s.close();
    return n;
  };
  const baseEnv = { ...process.env, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: server.region };
  // MALLOC_ARENA_MAX as the ./cairn launcher sets it (the benchmark runs node on the bundle itself).
  const cairnEnv = { ...baseEnv, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', CAIRN_PASSPHRASE: 'benchmark passphrase', CAIRN_STATE_DIR: join(work, 'cairn-state'), NODE_EXTRA_CA_CERTS: proxy.caFile, HOME: join(work, 'cairn-home') };
  const resticEnv = { ...baseEnv, RESTIC_PASSWORD: 'benchmark passphrase', RESTIC_CACHE_DIR: join(work, 'restic-cache'), HOME: join(work, 'restic-home') };
  mkdirSync(cairnEnv.HOME, { recursive: true });
  mkdirSync(resticEnv.HOME, { recursive: true });
  const cairnRepo = ['--repo', 's3://bench/cairn', '--endpoint', proxy.endpoint, '--path-style'];
  const resticRepo = ['-r', `s3:${proxy.endpoint}/bench/restic`, '--cacert', proxy.caFile];

  const results: Record<string, { cairn: StepResult; restic?: StepResult }> = {};
  const run = async (tool: 'cairn' | 'restic', argv: string[], prefix?: string): Promise<StepResult> => {
    proxy.reset();
    const r = tool === 'cairn' ? await timed(process.execPath, [CLI, ...argv], cairnEnv) : await timed('/usr/bin/restic', argv, resticEnv);
    const c: Counters = proxy.counters();
    return { wallMs: r.wallMs, peakRssKiB: r.peakRssKiB, cpuMs: r.cpuMs, requests: c.requests, bytesUp: c.bytesUp, bytesDown: c.bytesDown, ...(prefix ? { storedBytes: await stored(prefix) } : {}) };
  };
  const step = async (name: string, cairnArgs: string[], resticArgs: string[] | undefined, storedAfter = false) => {
    log(`bench: ${name}`);
    const cairn = await run('cairn', cairnArgs, storedAfter ? 'cairn' : undefined);
    const restic = withRestic && resticArgs ? await run('restic', resticArgs, storedAfter ? 'restic' : undefined) : undefined;
    results[name] = { cairn, ...(restic ? { restic } : {}) };
  };

  await timed(process.execPath, [CLI, 'init', ...cairnRepo], cairnEnv);
  if (withRestic) await timed('/usr/bin/restic', [...resticRepo, 'init', '--repository-version', '2'], resticEnv);

  await step('initial backup', ['backup', ...cairnRepo, home], [...resticRepo, 'backup', '--quiet', home], true);
  await step('no-change backup', ['backup', ...cairnRepo, home], [...resticRepo, 'backup', '--quiet', home], true);
  // The app's way: the engine kept open, one backup not timed, then five no-change backups (the median).
  log("bench: no-change backups the app's way (engine kept open)");
  const appArgv = [join(ROOT, 'bench/app-backups.ts'), ...cairnRepo, '--home', home];
  let app = await startApp(process.execPath, appArgv, cairnEnv, proxy);
  const appRuns: Awaited<ReturnType<typeof app.backup>>[] = [];
  for (let i = 0; i < 6; i++) appRuns.push(await app.backup());
  if (appRuns.some((a) => !a.unchanged)) throw new Error('a no-change backup in the app found changes');
  const median = (k: 'wallMs' | 'cpuMs' | 'requests' | 'bytesUp' | 'bytesDown') => appRuns.slice(1).map((a) => a[k]).sort((a, b) => a - b)[2] ?? NaN;
  results['no-change backup, app'] = {
    cairn: { wallMs: median('wallMs'), cpuMs: median('cpuMs'), requests: median('requests'), bytesUp: median('bytesUp'), bytesDown: median('bytesDown'), peakRssKiB: await app.close() },
    ...(results['no-change backup']?.restic ? { restic: results['no-change backup'].restic } : {}),
  };
  const mutation = mutateAgentHome(home, summary);
  log(`bench: mutated: ${fmtBytes(mutation.appendedBytes)} appended/new, ${mutation.deleted} deleted, ${mutation.touched} touched`);
  await step('backup after mutation', ['backup', ...cairnRepo, home], [...resticRepo, 'backup', '--quiet', home], true);
  // The app's way again: warmed up by a no-change backup, it backs up a second day of activity
  // (restic backs up the same, so that both restore the same files).
  log("bench: backup after mutation the app's way (engine kept open)");
  app = await startApp(process.execPath, appArgv, cairnEnv, proxy);
  if (!(await app.backup()).unchanged) throw new Error('the app found changes before the second mutation');
  const mutation2 = mutateAgentHome(home, summary, 3);
  log(`bench: mutated again: ${fmtBytes(mutation2.appendedBytes)} appended/new, ${mutation2.deleted} deleted, ${mutation2.touched} touched`);
  const appMutation = await app.backup();
  const appMutationRss = await app.close();
  results['backup after mutation, app'] = {
    cairn: { ...appMutation, peakRssKiB: appMutationRss, storedBytes: await stored('cairn') },
    ...(withRestic ? { restic: await run('restic', [...resticRepo, 'backup', '--quiet', home], 'restic') } : {}),
  };
  const cairnTarget = join(work, 'restore-cairn');
  const resticTarget = join(work, 'restore-restic');
  await step('full restore', ['restore', ...cairnRepo, '--snapshot', 'latest', '--target', cairnTarget], [...resticRepo, 'restore', 'latest', '--target', resticTarget]);
  const oneFile = summary.transcripts.filter((p) => existsSync(p)).sort((a, b) => statSync(a).size - statSync(b).size)[Math.floor(summary.transcripts.length / 2)] as string;
  const rel = relative(home, oneFile);
  await step('one-file restore', ['restore', ...cairnRepo, '--snapshot', 'latest', '--target', join(work, 'one-cairn'), '--path', rel], [...resticRepo, 'restore', 'latest', '--target', join(work, 'one-restic'), '--include', oneFile]);

  // Sanity: both restores hold the file we asked for.
  const restoredFiles = readdirSync(join(work, 'one-cairn'));
  if (restoredFiles.length !== 1) throw new Error(`one-file restore produced ${restoredFiles.join(', ')}`);

  await proxy.close();
  await server.stop();

  const rows: string[][] = [['step', 'cairn', withRestic ? 'restic' : '', withRestic ? 'ratio' : '', 'cairn CPU', withRestic ? 'restic CPU' : '', 'cairn RSS', withRestic ? 'restic RSS' : '', 'cairn req', withRestic ? 'restic req' : '', 'cairn up', withRestic ? 'restic up' : '', 'cairn stored', withRestic ? 'restic stored' : '']];
  for (const [name, r] of Object.entries(results)) {
    rows.push([
      name,
      fmtMs(r.cairn.wallMs),
      r.restic ? fmtMs(r.restic.wallMs) : '',
      r.restic ? `${(r.cairn.wallMs / r.restic.wallMs).toFixed(2)}×` : '',
      fmtMs(r.cairn.cpuMs),
      r.restic ? fmtMs(r.restic.cpuMs) : '',
      `${Math.round(r.cairn.peakRssKiB / 1024)} MiB`,
      r.restic ? `${Math.round(r.restic.peakRssKiB / 1024)} MiB` : '',
      String(r.cairn.requests),
      r.restic ? String(r.restic.requests) : '',
      fmtBytes(r.cairn.bytesUp),
      r.restic ? fmtBytes(r.restic.bytesUp) : '',
      fmtBytes(r.cairn.storedBytes),
      r.restic ? fmtBytes(r.restic.storedBytes) : '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const table = rows.map((r) => '| ' + r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ') + ' |');
  table.splice(1, 0, '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  console.log(`\nCairn vs restic ${withRestic ? execFileSync('/usr/bin/restic', ['version']).toString().split(' ')[1] : '(not run)'} — ${summary.files} files, ${fmtBytes(summary.bytes)}, S3 (Swift) through a TLS counting proxy, ${process.platform} ${cpus().length} cores, load average ${loadStart} at the start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end\n`);
  console.log(table.join('\n'));
  if (withRestic) {
    // The same numbers in the issue's layout: Cairn / restic = ratio.
    const r = results;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const s = (ms: number) => (ms / 1000).toFixed(2);
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const pair = (name: string, extra = '') => {
      const x = r[name]!;
      return `${s(x.cairn.wallMs)} / ${s(x.restic!.wallMs)} s = ${ratio(x.cairn.wallMs, x.restic!.wallMs)}${extra}`;
    };
    const ib = r['initial backup']!;
    const nc = r['no-change backup']!;
    const am = r['backup after mutation']!;
    const fr = r['full restore']!;
    const peak = Math.max(...Object.values(r).map((x) => x.cairn.peakRssKiB)) / 1024;
    const rpeak = Math.max(...Object.values(r).map((x) => x.restic?.peakRssKiB ?? 0)) / 1024;
    console.log(`\n| step | ${sizeMiB} MiB, ${summary.files} files: Cairn / restic |\n|---|---|`);
    console.log(`| initial backup, wall | ${pair('initial backup', ` (CPU ${s(ib.cairn.cpuMs)} / ${s(ib.restic!.cpuMs)} s)`)} |`);
    console.log(`| stored bytes | ${mb(ib.cairn.storedBytes!)} / ${mb(ib.restic!.storedBytes!)} MB = ${ratio(ib.cairn.storedBytes!, ib.restic!.storedBytes!)} |`);
    console.log(`| no-change backup | ${pair('no-change backup')}, ${nc.cairn.requests} requests / ${nc.restic!.requests} |`);
    console.log(`| no-change backup, the app's (engine kept open; median of 5) | ${pair('no-change backup, app')}, ${r['no-change backup, app']!.cairn.requests} requests |`);
    console.log(`| after mutation | ${pair('backup after mutation')}, ${mb(am.cairn.bytesUp)} / ${mb(am.restic!.bytesUp)} MB up |`);
    const am2 = r['backup after mutation, app']!;
    console.log(`| after a second mutation, the app's (engine kept open) | ${pair('backup after mutation, app')}, ${mb(am2.cairn.bytesUp)} / ${mb(am2.restic!.bytesUp)} MB up |`);
    console.log(`| full restore | ${pair('full restore', ` (CPU ${s(fr.cairn.cpuMs)} / ${s(fr.restic!.cpuMs)} s)`)} |`);
    console.log(`| one-file restore | ${pair('one-file restore')} |`);
    console.log(`| peak RSS | ${Math.round(peak)} / ${Math.round(rpeak)} MiB |`);
  }

  if (withRestic) {
    const r = results;
    const peak = Math.max(...Object.values(r).map((x) => x.cairn.peakRssKiB));
    const rpeak = Math.max(...Object.values(r).map((x) => x.restic?.peakRssKiB ?? 0));
    const checks: [string, boolean, string][] = [
      ['initial backup ≤ 0.7× restic time', r['initial backup']!.cairn.wallMs <= 0.7 * r['initial backup']!.restic!.wallMs, `${(r['initial backup']!.cairn.wallMs / r['initial backup']!.restic!.wallMs).toFixed(2)}×`],
      ['stored ≤ 0.95× restic', r['initial backup']!.cairn.storedBytes! <= 0.95 * r['initial backup']!.restic!.storedBytes!, `${(r['initial backup']!.cairn.storedBytes! / r['initial backup']!.restic!.storedBytes!).toFixed(2)}×`],
      ['no-change ≤ 0.3× restic time', r['no-change backup']!.cairn.wallMs <= 0.3 * r['no-change backup']!.restic!.wallMs, `${(r['no-change backup']!.cairn.wallMs / r['no-change backup']!.restic!.wallMs).toFixed(2)}×`],
      ['no-change in the app ≤ 0.3× restic time', r['no-change backup, app']!.cairn.wallMs <= 0.3 * r['no-change backup']!.restic!.wallMs, `${(r['no-change backup, app']!.cairn.wallMs / r['no-change backup']!.restic!.wallMs).toFixed(2)}×`],
      ['no-change ≤ 3 requests', r['no-change backup']!.cairn.requests <= 3, `${r['no-change backup']!.cairn.requests}`],
      ['after mutation ≤ 0.5× restic time', r['backup after mutation']!.cairn.wallMs <= 0.5 * r['backup after mutation']!.restic!.wallMs, `${(r['backup after mutation']!.cairn.wallMs / r['backup after mutation']!.restic!.wallMs).toFixed(2)}×`],
      ['after mutation in the app ≤ 0.5× restic time', r['backup after mutation, app']!.cairn.wallMs <= 0.5 * r['backup after mutation, app']!.restic!.wallMs, `${(r['backup after mutation, app']!.cairn.wallMs / r['backup after mutation, app']!.restic!.wallMs).toFixed(2)}×`],
      ['after mutation uploads ≤ restic', r['backup after mutation']!.cairn.bytesUp <= r['backup after mutation']!.restic!.bytesUp, `${fmtBytes(r['backup after mutation']!.cairn.bytesUp)} vs ${fmtBytes(r['backup after mutation']!.restic!.bytesUp)}`],
      ['full restore ≤ 0.7× restic time', r['full restore']!.cairn.wallMs <= 0.7 * r['full restore']!.restic!.wallMs, `${(r['full restore']!.cairn.wallMs / r['full restore']!.restic!.wallMs).toFixed(2)}×`],
      ['one-file restore ≤ 0.3× restic time', r['one-file restore']!.cairn.wallMs <= 0.3 * r['one-file restore']!.restic!.wallMs, `${(r['one-file restore']!.cairn.wallMs / r['one-file restore']!.restic!.wallMs).toFixed(2)}×`],
      ['peak RSS ≤ restic', peak <= rpeak, `${Math.round(peak / 1024)} vs ${Math.round(rpeak / 1024)} MiB`],
    ];
    console.log('\nTargets:');
    for (const [what, ok, value] of checks) console.log(`  ${ok ? 'met   ' : 'MISSED'}  ${what}: ${value}`);
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', scale > 0 ? `latest-scale-${scale}.json` : 'latest.json'), JSON.stringify({ date: new Date().toISOString(), load: { start: loadStart, end: loadavg() }, files: summary.files, bytes: summary.bytes, results }, null, 2));
  rmSync(work, { recursive: true, force: true });
}

await main();
