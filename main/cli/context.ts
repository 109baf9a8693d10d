// What every command needs: where the vault is, how to unlock it, where local state lives.
// Secrets come from the environment (CAIRN_PASSPHRASE, AWS_*), from what Cairn keeps for a vault
// it set up (vault-choice.ts), or a prompt on a terminal — never from command-line arguments
// (they'd show up in `ps` and shell history).

import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ConfigError } from '../../shared/errors.ts';
import { agentPathsContext, contextFromProcess, loadAgentPaths, prepareContext } from '../engine/agents/index.ts';
import type { AgentContext } from '../engine/agents/index.ts';
import { DEFAULT_RETENTION } from '../../shared/models.ts';
import type { PathMapping, RetentionPolicy, VaultLocation } from '../../shared/models.ts';
import { Repository } from '../engine/repository.ts';
import { behindOutbox } from '../engine/outbox/index.ts';
import { createBlobStore, formatLocation } from '../engine/storage/index.ts';
import type { BlobStore, CreateBlobStoreOptions } from '../engine/storage/index.ts';
import type { UnlockSecret } from '../engine/vault/index.ts';
import { createWorkerCodec } from '../engine/workers/index.ts';
import { describeConfigProblem } from '../service/config-file.ts';
import { chooseStateDir, chooseVault, describeSource, keptCredentials, keptUnlock, savedSettings } from './vault-choice.ts';
import type { ChosenVault } from './vault-choice.ts';
import { checkEndpoint, ensureStateDir } from './local-paths.ts';

export interface CommonOptions {
  repo?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  stateDir?: string;
  json?: boolean;
  deviceName?: string;
}

/** The vault this command works on: --repo, CAIRN_REPO, the app's, or the default one (vault-choice.ts). */
export function location(opts: CommonOptions): VaultLocation {
  return chooseVault(opts).location;
}

/** Whether the CLI keeps the local key cache (docs/SECURITY.md): on unless CAIRN_KEY_CACHE=0. */
export function keyCacheWanted(): boolean {
  return process.env.CAIRN_KEY_CACHE !== '0';
}

/**
 * The vault's store. With `outbox`, behind the outbox in the state folder (the one the app uses
 * for the same location): backups made while the vault can't be reached wait there.
 */
export async function openStore(opts: CommonOptions, { outbox = false }: { outbox?: boolean } = {}, chosen: ChosenVault = chooseVault(opts)): Promise<BlobStore> {
  checkEndpoint(chosen.location);
  const credentials = await keptCredentials(chosen);
  const remote = createBlobStore(chosen.location, { ...cliStoreOptions(), ...(credentials ? { credentials } : {}) });
  return outbox ? behindOutbox(remote, chosen.stateDir) : remote;
}

/**
 * How the CLI talks to S3. An endpoint that accepts connections and never answers costs at most
 * attempts × timeout plus the backoff between them: by default 4 × 30 s (RetryingBlobStore's and
 * the SDK's defaults were 5 × 60 s). `CAIRN_TIMEOUT` (seconds a connection may stay silent) and
 * `CAIRN_RETRIES` (attempts per request) change them, for cron jobs or slow links.
 */
export function cliStoreOptions(env: Record<string, string | undefined> = process.env): CreateBlobStoreOptions {
  const timeoutS = positive(env, 'CAIRN_TIMEOUT') ?? 30;
  const attempts = positive(env, 'CAIRN_RETRIES') ?? 4;
  if (!Number.isInteger(attempts)) throw new ConfigError(`CAIRN_RETRIES must be a whole number of attempts, got '${env.CAIRN_RETRIES}'.`);
  return {
    retry: { maxAttempts: attempts, baseDelayMs: 250, maxDelayMs: 8_000 },
    s3: { connectionTimeoutMs: Math.min(10, timeoutS) * 1000, socketTimeoutMs: timeoutS * 1000 },
  };
}

function positive(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got '${text}'.`);
  return n;
}

export function stateDir(opts: CommonOptions): string {
  return chooseStateDir(opts);
}

/** This machine's agent context, with the folders the user added to or removed from discovery. */
export async function agentContext(opts: Pick<CommonOptions, 'stateDir'>): Promise<AgentContext> {
  return prepareContext(contextFromProcess(agentPathsContext(loadAgentPaths(chooseStateDir(opts)))));
}

/**
 * What the app's settings on this machine (its state folder's config.json) say where a command's
 * flags say nothing: the agents to back up and sync (Settings → Agents), the path mappings, the
 * retention policy. A machine where the app never saved settings gets the CLI's defaults. Before,
 * the CLI ignored them: `cairn backup` uploaded an agent switched off in the app.
 */
export interface AppChoices {
  /** The config.json they come from. */
  file: string;
  /** The agents chosen in the app; undefined: every agent found (the app's default). */
  agents?: string[];
  mappings: PathMapping[];
  retention: RetentionPolicy;
}

export function appChoices(opts: Pick<CommonOptions, 'stateDir'>): AppChoices | undefined {
  const saved = savedSettings(chooseStateDir(opts));
  if (!saved) return undefined;
  const { enabledAgents = [], pathMappings = [], retention = DEFAULT_RETENTION } = saved;
  return { file: saved.file, ...(enabledAgents.length > 0 ? { agents: enabledAgents } : {}), mappings: pathMappings, retention };
}

/** The app's path mappings with the command line's: a `--map` for the same THEIRS wins. */
export function withAppMappings(fromFlags: readonly PathMapping[], choices: AppChoices | undefined): PathMapping[] {
  const flagged = new Set(fromFlags.map((m) => m.from));
  return [...(choices?.mappings ?? []).filter((m) => !flagged.has(m.from)), ...fromFlags];
}

/** Reads a secret without echo from the terminal; refuses when there is no terminal. */
export async function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new ConfigError(`${question.replace(/:\s*$/, '')} is needed. Set CAIRN_PASSPHRASE (or CAIRN_RECOVERY_KEY), or run in a terminal to be asked.`);
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}

export async function passphrase(newVault = false): Promise<string> {
  const fromEnv = process.env.CAIRN_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const first = await prompt(newVault ? 'New vault passphrase: ' : 'Vault passphrase: ');
  if (newVault) {
    const again = await prompt('Repeat the passphrase: ');
    if (again !== first) throw new ConfigError('The two passphrases differ. Nothing was created.');
  }
  return first;
}

/** CAIRN_RECOVERY_KEY, CAIRN_PASSPHRASE, the secret Cairn keeps for a vault it set up, or a prompt. */
export async function unlockSecret(chosen?: ChosenVault): Promise<UnlockSecret> {
  if (process.env.CAIRN_RECOVERY_KEY) return { recoveryKey: process.env.CAIRN_RECOVERY_KEY };
  if (!process.env.CAIRN_PASSPHRASE && chosen) {
    const kept = await keptUnlock(chosen);
    if (kept) return kept;
  }
  return { passphrase: await passphrase() };
}

export function workerThreads(): number | undefined {
  const n = Number(process.env.CAIRN_THREADS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * How a command opens the vault. `readOnly`: the command only reads it (nothing is written to
 * the vault, so a read-only vault opens and a first look from a new device registers no device).
 */
export interface OpenOptions {
  outbox?: boolean;
  readOnly?: boolean;
}

export async function openRepository(opts: CommonOptions, storeOptions: OpenOptions = {}): Promise<Repository> {
  const chosen = chooseVault(opts);
  ensureStateDir(chosen.stateDir);
  const store = await openStore(opts, storeOptions, chosen);
  try {
    const repo = await Repository.open({
      store,
      stateDir: chosen.stateDir,
      secret: await unlockSecret(chosen),
      deviceName: opts.deviceName,
      keyCache: keyCacheWanted(),
      readOnly: storeOptions.readOnly,
      makeCodec: (vault) => createWorkerCodec(vault, { threads: workerThreads() }),
    });
    // The vault opened through another slot: say so now, not on the day the damaged one is needed.
    for (const d of repo.vault.damagedSlots) {
      process.stderr.write(`warning: key slot ${d.key}${d.type ? ` (${d.type})` : ''} is damaged: ${d.problem.replace(/\.?$/, '.')} Run 'cairn check', and replace it with 'cairn key ${d.type === 'recovery' ? 'recovery' : 'passwd'}'.\n`);
    }
    if (chosen.configProblem) process.stderr.write(`warning: ${describeConfigProblem(chosen.configProblem)}\n`);
    // Not named on the command line: say which vault this is, every time.
    if (chosen.source === 'app' || chosen.source === 'default') {
      if (!opts.json) process.stderr.write(`Vault: ${formatLocation(chosen.location)} (${describeSource(chosen)}), key fingerprint ${repo.vault.fingerprint}.\n`);
    }
    return repo;
  } catch (error) {
    await store.close();
    throw error;
  }
}

export async function withRepository<T>(opts: CommonOptions, fn: (repo: Repository) => Promise<T>, storeOptions: OpenOptions = {}): Promise<T> {
  const repo = await openRepository(opts, storeOptions);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}
