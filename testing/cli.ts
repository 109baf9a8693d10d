// Runs the CLI from source in a child process (the way a user runs `cairn`), for the CLI tests
// that need a real process: its exit code, what it printed, and how long it took.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_SOURCE = fileURLToPath(new URL('../main/cli/cairn.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `cairn ...args` with exactly `env` (pass process.env's entries yourself if the test wants them). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_SOURCE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** One machine of a multi-device CLI test: a home and a state folder of its own under `base`, sharing the vault `base/vault`. */
export function cliMachine(base: string, name: string, passphrase: string) {
  const home = join(base, name);
  mkdirSync(home);
  const env = { ...process.env, HOME: home, CAIRN_PASSPHRASE: passphrase, CAIRN_STATE_DIR: join(base, `${name}-state`), CAIRN_THREADS: '1' };
  return {
    home,
    env,
    /** `cairn ...args --repo base/vault --device-name name`, waited for. */
    run: (...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI_SOURCE, ...args, '--repo', join(base, 'vault'), '--device-name', name], { env, encoding: 'utf8', timeout: 120_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
