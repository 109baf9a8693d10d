// Which vault a command works on when the command line doesn't say, and how Cairn unlocks it
// without asking. In order: --repo; CAIRN_REPO; the vault the app is set up with (config.json in
// the state folder, which the app and the CLI share); else the default local vault in Cairn's
// data folder, which `cairn backup` (or `cairn init`) creates on first use.
//
// The default vault's key is a random secret Cairn generates, so a headless first run never asks
// for a passphrase. It is kept in the OS keychain where there is one, else in a file in the
// state folder that only the user can read (0600) — said plainly when it is created, with the
// recovery key, shown once, as the way in if that file or keychain entry is lost.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../shared/errors.ts';
import type { PathMapping, RetentionPolicy, VaultLocation } from '../../shared/models.ts';
import { defaultDataDir, defaultStateDir } from '../engine/paths.ts';
import { parseLocation } from '../engine/storage/index.ts';
import { decodeCredentials, decodeUnlock, encodeUnlock, openSecretStore, secretAccounts, vaultKey } from '../keychain/index.ts';
import type { StoredCredentials, StoredUnlock } from '../keychain/index.ts';
import { writeFileAtomicSync, writeJsonAtomic } from '../engine/atomic-file.ts';
import { describeConfigProblem, keepBadCopy, type ConfigProblem } from '../service/config-file.ts';
import { keyFileOf, readKeyFile, renewKeyFile } from '../service/key-file.ts';
import * as z from 'zod/mini';
import { makeDirsSync } from '../engine/make-dirs.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the vault choice came from: the option, CAIRN_REPO, the app's configuration, or the default. */
export type VaultSource = 'option' | 'env' | 'app' | 'default';

export interface VaultChoiceOptions {
  repo?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  stateDir?: string;
}

export interface ChosenVault {
  location: VaultLocation;
  source: VaultSource;
  /** Cairn's state folder for this run. */
  stateDir: string;
  /** The app's config.json could not be read as it was and was recovered (config-file.ts): say so. */
  configProblem?: ConfigProblem;
}

/** How the keychain is reached (tests give a short timeout or none). */
export interface KeychainAccess {
  probeTimeoutMs?: number;
}

/** The state folder: --state-dir (relative to where the command runs), else CAIRN_STATE_DIR or the OS's default. */
export function chooseStateDir(opts: { stateDir?: string }, env: Env = process.env): string {
  return opts.stateDir !== undefined && opts.stateDir !== '' ? resolve(opts.stateDir) : defaultStateDir(env);
}

/**
 * The default local vault: `vault` in Cairn's data folder, or inside the state folder when one
 * is given (--state-dir, CAIRN_STATE_DIR), so that a test or a portable set-up stays in one place.
 */
export function defaultVaultLocation(env: Env = process.env, stateDirOption?: string): VaultLocation {
  const data = stateDirOption !== undefined && stateDirOption !== '' ? join(resolve(stateDirOption), 'data') : defaultDataDir(env);
  return { provider: 'local', prefix: '', path: join(data, 'vault') };
}

export function chooseVault(opts: VaultChoiceOptions, env: Env = process.env): ChosenVault {
  const stateDir = chooseStateDir(opts, env);
  const explicit = opts.repo !== undefined && opts.repo !== '' ? { repo: opts.repo, source: 'option' as const } : env.CAIRN_REPO ? { repo: env.CAIRN_REPO, source: 'env' as const } : undefined;
  if (explicit) {
    const location = parseLocation(explicit.repo, {
      endpoint: opts.endpoint ?? env.CAIRN_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
      region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      forcePathStyle: opts.pathStyle,
    });
    return { location, source: explicit.source, stateDir };
  }
  const configured = configuredVault(stateDir);
  if (configured.location) return { location: configured.location, source: 'app', stateDir, ...(configured.problem ? { configProblem: configured.problem } : {}) };
  return { location: defaultVaultLocation(env, opts.stateDir), source: 'default', stateDir };
}

// The part of the app's config.json (main/service/config-store.ts) the CLI reads. zod's mini API:
// the classic one costs every command ~15 ms of start-up.
const configuredSchema = z.object({
  problem: z.optional(z.object({ at: z.string(), reason: z.string(), keptAs: z.string(), reset: z.array(z.string()) })),
  location: z.optional(
    z.object({
      provider: z.enum(['r2', 's3', 'b2', 'other', 'local']),
      bucket: z.optional(z.string()),
      prefix: z._default(z.string(), 'cairn'),
      endpoint: z.optional(z.string()),
      region: z.optional(z.string()),
      forcePathStyle: z.optional(z.boolean()),
      path: z.optional(z.string()),
    }),
  ),
});

/**
 * The app's settings the CLI honours (context.ts appChoices), as the app validates them
 * (ipc/schemas.ts; zod's mini API here, which the CLI loads instead of the classic one at every
 * start): a field that doesn't validate is left to its default, as the app does.
 */
const count = (min: number) => z.int().check(z.gte(min), z.lte(10_000));
const absPath = z.string().check(z.minLength(1), z.maxLength(4096));
const savedFields = {
  enabledAgents: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(64)),
  pathMappings: z.array(z.object({ from: absPath, to: absPath })).check(z.maxLength(64)),
  retention: z.object({ keepLast: count(1), keepHourly: count(0), keepDaily: count(0), keepWeekly: count(0), keepMonthly: count(0) }),
};

export interface SavedSettings {
  file: string;
  enabledAgents?: string[];
  pathMappings?: PathMapping[];
  retention?: RetentionPolicy;
}

/** The settings the app saved in this state folder's config.json (read only); undefined when it saved none. */
export function savedSettings(stateDir: string): SavedSettings | undefined {
  const file = join(stateDir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const settings = (raw as { settings?: unknown } | null)?.settings;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return undefined;
  const field = <K extends keyof typeof savedFields>(key: K) => {
    const parsed = savedFields[key].safeParse((settings as Record<string, unknown>)[key]);
    return parsed.success ? { [key]: parsed.data } : {};
  };
  return { file, ...field('enabledAgents'), ...field('pathMappings'), ...field('retention') } as SavedSettings;
}

/** The vault the app (or an earlier CLI run) set up in this state folder, if any. */
export function configuredVault(stateDir: string): { location?: VaultLocation; problem?: ConfigProblem } {
  const file = join(stateDir, 'config.json');
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON, so Cairn can't tell which vault it is set up with. Fix or remove it, or name the vault with --repo.`, { cause: error });
  }
  const parsed = configuredSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file} does not describe a vault Cairn understands (${parsed.error.issues[0]?.message ?? 'invalid'}). Fix or remove it, or name the vault with --repo.`);
  return { ...(parsed.data.location ? { location: parsed.data.location } : {}), ...(parsed.data.problem ? { problem: parsed.data.problem } : {}) };
}

/** Where the CLI keeps a vault's unlock secret when there is no keychain: 0600, in the state folder. */
export function keyFile(chosen: Pick<ChosenVault, 'location' | 'stateDir'>): string {
  return keyFileOf(chosen.stateDir, chosen.location);
}

/** Says where the vault came from, for the line the CLI prints when the command line didn't name it. */
export function describeSource(chosen: ChosenVault): string {
  switch (chosen.source) {
    case 'option':
      return 'from --repo';
    case 'env':
      return 'from CAIRN_REPO';
    case 'app':
      return `set up in ${join(chosen.stateDir, 'config.json')}`;
    case 'default':
      return "Cairn's default local vault";
  }
}

/**
 * The unlock secret Cairn keeps for a vault it set up (the app's, or the default one): the key
 * file first (no native module to load), then the OS keychain. Undefined when neither has it.
 */
export async function keptUnlock(chosen: ChosenVault, keychain: KeychainAccess = {}): Promise<StoredUnlock | undefined> {
  if (chosen.source === 'option' || chosen.source === 'env') return undefined;
  const kept = readKeyFile(chosen.stateDir, chosen.location);
  if (kept !== undefined) return decodeUnlock(kept);
  // No key file: the keychain, then.
  const opened = await openSecretStore({ probeTimeoutMs: keychain.probeTimeoutMs ?? 5_000 });
  if (!opened.available) return undefined;
  const raw = await opened.store.get(secretAccounts.unlock(vaultKey(chosen.location)));
  return raw ? decodeUnlock(raw) : undefined;
}

/** Bucket credentials the app keeps in the keychain for its vault, when the environment has none. */
export async function keptCredentials(chosen: ChosenVault, env: Env = process.env, keychain: KeychainAccess = {}): Promise<StoredCredentials | undefined> {
  if (chosen.source !== 'app' || chosen.location.provider === 'local') return undefined;
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return undefined;
  const opened = await openSecretStore({ probeTimeoutMs: keychain.probeTimeoutMs ?? 5_000 });
  if (!opened.available) return undefined;
  const raw = await opened.store.get(secretAccounts.credentials(vaultKey(chosen.location)));
  return raw ? decodeCredentials(raw) : undefined;
}

/** A new random vault passphrase: 256 bits, printable. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Keeps a generated unlock secret: in the OS keychain when it answers (where the app looks for
 * it too), else in the key file, readable only by this user. Returns, in plain words, where.
 */
export async function keepSecret(chosen: ChosenVault, secret: StoredUnlock, keychain: KeychainAccess = {}): Promise<{ where: 'keychain' | 'file'; description: string }> {
  const opened = await openSecretStore({ probeTimeoutMs: keychain.probeTimeoutMs ?? 5_000 });
  if (opened.available) {
    const account = secretAccounts.unlock(vaultKey(chosen.location));
    await opened.store.set(account, encodeUnlock(secret));
    if ((await opened.store.get(account)) === encodeUnlock(secret)) {
      return { where: 'keychain', description: `in the OS keychain (${opened.store.description}), entry '${account}'` };
    }
  }
  const file = keyFile(chosen);
  makeDirsSync(dirname(file), 0o700);
  writeFileAtomicSync(file, `${encodeUnlock(secret)}\n`, { mode: 0o600 });
  const reason = opened.available ? undefined : (/not available: (.*?)\.( |$)/.exec(opened.problem.message)?.[1] ?? opened.problem.message);
  const why = reason === undefined ? 'the OS keychain did not keep it' : `the OS keychain is not available here (${reason})`;
  return {
    where: 'file',
    description: `in ${file}, a file only you can read (0600), because ${why}. Anyone who can read that file can read these backups`,
  };
}

/**
 * After the vault's passphrase changed: the passphrase Cairn keeps for it on this machine (the key
 * file, the keychain entry the app reads too) becomes the new one, wherever the vault was named
 * from. Left as it was, this machine could no longer open its own vault: the next `cairn backup`
 * (a cron job's) said "The passphrase does not unlock this vault", and so did the app. A kept
 * recovery key still opens the vault and stays. Returns where it was updated, in plain words.
 */
export async function updateKeptPassphrase(chosen: Pick<ChosenVault, 'location' | 'stateDir'>, next: string, keychain: KeychainAccess = {}): Promise<string[]> {
  const file = renewKeyFile(chosen.stateDir, chosen.location, next);
  const updated: string[] = file ? [file] : [];
  const opened = await openSecretStore({ probeTimeoutMs: keychain.probeTimeoutMs ?? 5_000 });
  if (opened.available) {
    const account = secretAccounts.unlock(vaultKey(chosen.location));
    const raw = await opened.store.get(account);
    if (raw && 'passphrase' in decodeUnlock(raw)) {
      await opened.store.set(account, encodeUnlock({ passphrase: next }));
      updated.push(`the OS keychain (${opened.store.description})`);
    }
  }
  return updated;
}

/** Records the vault in config.json, so the next command (and the app) use it without --repo. */
export function rememberVault(chosen: ChosenVault, vaultId: string): void {
  const file = join(chosen.stateDir, 'config.json');
  let current: Record<string, unknown> = { version: 1 };
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // unreadable: kept below before anything replaces it
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) current = raw as Record<string, unknown>;
    else {
      const keptAs = keepBadCopy(file);
      const problem: ConfigProblem = { at: new Date().toISOString(), reason: 'not a JSON object', keptAs, reset: ['settings'] };
      current = { version: 1, problem };
      process.stderr.write(`warning: ${describeConfigProblem(problem)}\n`);
    }
  }
  makeDirsSync(chosen.stateDir);
  writeJsonAtomic(file, { ...current, version: 1, location: chosen.location, vaultId });
}
