// The app's own configuration (not secret): where the vault is and the user's settings. Secrets
// (bucket credentials, the vault's unlock secret) live in the SecretStore, never here.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION } from '../../shared/models.ts';
import type { Settings, VaultLocation } from '../../shared/models.ts';
import { setupProgressSchema, vaultLocationSchema } from '../../shared/ipc/contract.ts';
import type { SetupProgress, SetupResult } from '../../shared/ipc/contract.ts';
import { writeJsonAtomic } from '../engine/atomic-file.ts';

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
};

export interface AppConfig {
  version: 1;
  location?: VaultLocation;
  vaultId?: string;
  settings: Settings;
  /** A set-up under way (a vault created or joined, the wizard not finished): where to resume. */
  setup?: StoredSetup;
}

export interface StoredSetup extends SetupProgress {
  mode: 'create' | 'join';
  result: SetupResult;
}

const storedSetupSchema = setupProgressSchema.extend({
  mode: z.enum(['create', 'join']),
  result: z.object({ fingerprint: z.string(), deviceId: z.string(), deviceName: z.string() }),
});

const configSchema = z.object({
  version: z.literal(1),
  location: vaultLocationSchema.optional(),
  vaultId: z.string().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  setup: storedSetupSchema.optional(),
});

export class ConfigStore {
  private readonly file: string;
  private current: AppConfig;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.file = join(stateDir, 'config.json');
    this.current = this.load();
  }

  private load(): AppConfig {
    try {
      const parsed = configSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
      return {
        version: 1,
        ...(parsed.location ? { location: parsed.location as VaultLocation } : {}),
        ...(parsed.vaultId ? { vaultId: parsed.vaultId } : {}),
        settings: { ...DEFAULT_SETTINGS, ...(parsed.settings as Partial<Settings> | undefined) },
        ...(parsed.setup ? { setup: parsed.setup } : {}),
      };
    } catch {
      return { version: 1, settings: { ...DEFAULT_SETTINGS } };
    }
  }

  get(): AppConfig {
    return this.current;
  }

  update(patch: Partial<AppConfig>): AppConfig {
    this.current = { ...this.current, ...patch };
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
