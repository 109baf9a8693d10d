// One device of Cairn for the e2e tests: the real application service (createCairnService, the
// engine, real storage) with secrets in memory, served to the browser by the test host.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlobStore } from '../../main/engine/storage/index.ts';
import { MemorySecretStore } from '../../main/keychain/memory-secret-store.ts';
import { createCairnService, type CairnService } from '../../main/service/index.ts';
import { startHost, type Host } from './host.ts';

export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export interface AppUnderTest {
  service: CairnService;
  secrets: MemorySecretStore;
  stateDir: string;
  home: string;
  /** Set when `serve` was asked for. */
  host?: Host;
  /** What the folder chooser answers next; the Electron shell would show a dialog. */
  nextFolder: string | undefined;
  opened: string[];
  close(): Promise<void>;
}

/** `stateDir` reopens an existing device (its keychain, held in memory, starts empty: locked). */
/** `decorateStore` wraps the vault's storage (a slow store, for progress that lasts long enough to watch). */
export async function startApp(options: { home: string; serve?: boolean; tempRoot?: string; stateDir?: string; keepState?: boolean; secrets?: MemorySecretStore; decorateStore?: (bare: BlobStore) => BlobStore; clock?: { now(): number } }): Promise<AppUnderTest> {
  const stateDir = options.stateDir ?? mkdtempSync(join(options.tempRoot ?? tmpdir(), 'cairn-state-'));
  const secrets = options.secrets ?? new MemorySecretStore();
  const app: Partial<AppUnderTest> & { nextFolder: string | undefined; opened: string[] } = { nextFolder: undefined, opened: [] };
  const service = await createCairnService({
    stateDir,
    secrets,
    home: options.home,
    env: {},
    platform: 'linux',
    ...(options.decorateStore ? { decorateStore: options.decorateStore } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    hooks: {
      chooseFolder: async () => app.nextFolder,
      openExternal: async (url) => {
        app.opened.push(url);
        return true;
      },
      setLaunchAtLogin: async () => {},
    },
  });
  const host = options.serve === false ? undefined : await startHost({ rendererDir: RENDERER_DIR, service });
  return Object.assign(app, {
    service,
    secrets,
    stateDir,
    home: options.home,
    host,
    async close() {
      await host?.close();
      await service.close();
      if (!options.keepState) rmSync(stateDir, { recursive: true, force: true });
    },
  });
}
