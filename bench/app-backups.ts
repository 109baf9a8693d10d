// A child of bench/run.ts: backups the way the desktop app runs them — the engine kept open in one
// process (the Electron main process), a backup every few minutes — instead of a CLI process per
// backup (Node's start, module loading and the vault's opening each time).
//
//   node bench/app-backups.ts --repo s3://bucket/prefix --endpoint URL --path-style --home DIR
//
// The vault is the CLI's (same state folder, CAIRN_STATE_DIR, same device), so its backups find
// the CLI's last snapshot. Once the vault is open it writes `ready` and waits: each `go` line on
// stdin runs one backup and answers with a JSON line {ms, cpuMs, unchanged}; the end of stdin
// closes the vault. The parent counts each backup's requests at its proxy between the two.

import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { contextFromProcess, withAgentRules } from '../main/engine/agents/index.ts';
import { labelPaths, runBackup } from '../main/engine/operations.ts';
import { openRepository } from '../main/cli/context.ts';
import { benchArgs } from './args.ts';

const args = benchArgs({ strings: ['repo', 'endpoint', 'home'], flags: ['path-style'] });
if (!args.repo || !args.home) throw new Error('usage: app-backups.ts --repo URL [--endpoint URL --path-style] --home DIR');
const repo = await openRepository({ repo: args.repo, ...(args.endpoint ? { endpoint: args.endpoint } : {}), pathStyle: args['path-style'] });
const sources = withAgentRules(labelPaths([resolve(args.home)]), contextFromProcess());
const backup = async () => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runBackup(repo, { sources, reason: 'scheduled' });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, unchanged: result.unchanged };
};
try {
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'go') process.stdout.write(`${JSON.stringify(await backup())}\n`);
  }
} finally {
  await repo.close();
}
