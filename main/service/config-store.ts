// The app's own configuration (not secret): where the vault is and the user's settings. Secrets
// (bucket credentials, the vault's unlock secret) live in the SecretStore, never here.
//
// A config.json that can't be read as it is (not JSON, or fields that don't validate) is never
// silently replaced: the original is kept as config.json.bad (config-file.ts) before anything is
// written, whatever still validates (the vault location above all) is recovered field by field,
// and `problem` says what happened until the user saves settings or sets up a vault.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION } from '../../shared/models.ts';
import type { Settings, VaultLocation } from '../../shared/models.ts';
import { settingsSchema as settingsFields, setupProgressSchema, vaultLocationSchema } from '../ipc/schemas.ts';
import type { SetupProgress, SetupResult } from '../../shared/ipc/contract.ts';
import { writeJsonAtomic } from '../engine/atomic-file.ts';
import { keepBadCopy, type ConfigProblem } from './config-file.ts';
import { makeDirsSync } from '../engine/make-dirs.ts';

export const DEFAULT_SETTINGS: Settings = {
  intervalMinutes: 30,
  syncOnAgentQuiet: true,
  quietSeconds: 60,
  launchAtLogin: true,
  notifications: true,
  retention: { ...DEFAULT_RETENTION },
  enabledAgents: [],
  pathMappings: [],
  theme: 'system',
  verifyData: true,
};

/** The settings as stored: every field validated, a missing one is its default. */
const f = settingsFields.shape;
export const storedSettingsSchema = z.object({
  intervalMinutes: f.intervalMinutes.default(DEFAULT_SETTINGS.intervalMinutes),
  syncOnAgentQuiet: f.syncOnAgentQuiet.default(DEFAULT_SETTINGS.syncOnAgentQuiet),
  quietSeconds: f.quietSeconds.default(DEFAULT_SETTINGS.quietSeconds),
  launchAtLogin: f.launchAtLogin.default(DEFAULT_SETTINGS.launchAtLogin),
  notifications: f.notifications.default(DEFAULT_SETTINGS.notifications),
  retention: f.retention.default(() => ({ ...DEFAULT_RETENTION })),
  enabledAgents: f.enabledAgents.default(() => []),
  pathMappings: f.pathMappings.default(() => []),
  theme: f.theme.default(DEFAULT_SETTINGS.theme),
  verifyData: f.verifyData.default(DEFAULT_SETTINGS.verifyData),
}) satisfies z.ZodType<Settings>;

export interface AppConfig {
  version: 1;
  location?: VaultLocation;
  vaultId?: string;
  settings: Settings;
  /** A set-up under way (a vault created or joined, the wizard not finished): where to resume. */
  setup?: StoredSetup;
  /** The file could not be read as it was: kept aside, and what was reset (until the user acts). */
  problem?: ConfigProblem;
}

export interface StoredSetup extends SetupProgress {
  mode: 'create' | 'join';
  result: SetupResult;
}

const storedSetupSchema = setupProgressSchema.extend({
  mode: z.enum(['create', 'join']),
  result: z.object({ fingerprint: z.string(), deviceId: z.string(), deviceName: z.string() }),
});

const problemSchema = z.object({ at: z.string(), reason: z.string(), keptAs: z.string(), reset: z.array(z.string()) });

const configSchema = z.object({
  version: z.literal(1),
  location: vaultLocationSchema.optional(),
  vaultId: z.string().optional(),
  settings: storedSettingsSchema.prefault({}),
  setup: storedSetupSchema.optional(),
  problem: problemSchema.optional(),
});

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The first few issues, as `field: message`. */
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'the whole file'}: ${i.message}`);
  return `${shown.join('; ')}${error.issues.length > 3 ? ` and ${error.issues.length - 3} more` : ''}`;
}

/** The settings that validate, field by field; the others are their defaults and named in `reset`. */
function recoverSettings(raw: unknown, reset: string[]): Settings {
  if (raw === undefined) return storedSettingsSchema.parse({});
  if (!isRecord(raw)) {
    reset.push('settings');
    return storedSettingsSchema.parse({});
  }
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(storedSettingsSchema.shape)) {
    if (!(key in raw)) continue;
    if ((field as z.ZodType).safeParse(raw[key]).success) kept[key] = raw[key];
    else reset.push(`settings.${key}`);
  }
  return storedSettingsSchema.parse(kept);
}

/** Everything in `raw` that still validates, section by section (`raw` undefined: nothing could be read). */
function recoverConfig(raw: unknown, reset: string[]): AppConfig {
  if (!isRecord(raw)) {
    reset.push('location', 'settings');
    return { version: 1, settings: storedSettingsSchema.parse({}) };
  }
  const section = <S extends z.ZodType>(key: string, schema: S): z.output<S> | undefined => {
    if (raw[key] === undefined) return undefined;
    const parsed = schema.safeParse(raw[key]);
    if (!parsed.success) reset.push(key);
    return parsed.success ? parsed.data : undefined;
  };
  const location = section('location', vaultLocationSchema);
  const vaultId = location ? section('vaultId', z.string()) : undefined;
  const setup = section('setup', storedSetupSchema);
  const settings = recoverSettings(raw.settings, reset);
  return { version: 1, ...(location ? { location } : {}), ...(vaultId ? { vaultId } : {}), settings, ...(setup ? { setup } : {}) };
}

export class ConfigStore {
  readonly file: string;
  private current: AppConfig;
  private readonly now: () => number;

  constructor(stateDir: string, now: () => number = Date.now) {
    makeDirsSync(stateDir);
    this.file = join(stateDir, 'config.json');
    this.now = now;
    this.current = this.load();
  }

  private load(): AppConfig {
    if (!existsSync(this.file)) return { version: 1, settings: storedSettingsSchema.parse({}) };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      return this.recover(undefined, `not valid JSON: ${(error as Error).message}`);
    }
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) return this.recover(raw, describeIssues(parsed.error));
    const { location, vaultId, settings, setup, problem } = parsed.data;
    return { version: 1, ...(location ? { location } : {}), ...(vaultId ? { vaultId } : {}), settings, ...(setup ? { setup } : {}), ...(problem ? { problem } : {}) };
  }

  /** Keeps the original aside first (throws, changing nothing, when it can't), then writes what validates. */
  private recover(raw: unknown, reason: string): AppConfig {
    const keptAs = keepBadCopy(this.file);
    const reset: string[] = [];
    const recovered = recoverConfig(raw, reset);
    const next: AppConfig = { ...recovered, problem: { at: new Date(this.now()).toISOString(), reason, keptAs, reset } };
    writeJsonAtomic(this.file, next);
    return next;
  }

  get(): AppConfig {
    return this.current;
  }

  /** Saving settings or choosing a vault is the user acting on a recovered file: its notice goes. */
  update(patch: Partial<AppConfig>): AppConfig {
    const { problem, ...rest } = { ...this.current, ...patch };
    const keepProblem = problem && !('settings' in patch) && !('location' in patch);
    this.current = { ...rest, ...(keepProblem ? { problem } : {}) };
    writeJsonAtomic(this.file, this.current);
    return this.current;
  }

  /** Writes `next` as the whole configuration (to drop an optional field). */
  replace(next: AppConfig): AppConfig {
    this.current = next;
    writeJsonAtomic(this.file, this.current);
    return this.current;
  }
}

export { vaultKey } from '../keychain/index.ts';
