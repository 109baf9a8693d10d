// The layer rules fail `npm run lint` on a wrong import: each case is linted as if it were a file
// at that place in the tree, with the project's own ESLint configuration.
import { ESLint } from 'eslint';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = 1;\n`, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'cairn/layers').map((m) => m.message);
}

describe('layer rules', () => {
  it.each([
    ['an upward import in the engine', 'main/engine/storage/new.ts', "import { keys } from '../vault/index.ts'; void keys;", /storage may not import vault/],
    ['a folder importing a peer above it', 'main/engine/chunk/new.ts', "import { Vault } from '../vault/index.ts'; void Vault;", /chunk may not import vault/],
    ['a peer bypassing index.ts', 'main/engine/backup/new.ts', "import { keys } from '../vault/format.ts'; void keys;", /through its index\.ts, not format\.ts/],
    ['a nested file bypassing index.ts', 'main/engine/agents/adapters/new.ts', "import { keys } from '../../vault/records.ts'; void keys;", /through its index\.ts, not records\.ts/],
    ['the engine importing the service', 'main/engine/vault/new.ts', "import { x } from '../../service/index.ts'; void x;", /main\/engine may not import main\/service/],
    ['a folder importing the facade', 'main/engine/restore/new.ts', "import { Repository } from '../repository.ts'; void Repository;", /may not import the engine's facade/],
    ['sync using the facade for more than types', 'main/engine/sync/new.ts', "import { Repository } from '../repository.ts'; void Repository;", /may not import the engine's facade/],
    ['the renderer importing the main process', 'renderer/features/new.tsx', "import { x } from '../../main/engine/paths.ts'; void x;", /renderer may not import main\/engine/],
    ['the service bypassing an engine index', 'main/service/new.ts', "import { keys } from '../engine/vault/format.ts'; void keys;", /through its index\.ts/],
    ['the AWS SDK outside the S3 store', 'main/engine/vault/new.ts', "import { S3Client } from '@aws-sdk/client-s3'; void S3Client;", /Only main\/engine\/storage\/s3\*\.ts imports the AWS SDK/],
    ['electron in the CLI', 'main/cli/new.ts', "import { app } from 'electron'; void app;", /Only main\/app, main\/ipc and preload import electron/],
    ['keytar in the service', 'main/service/new.ts', "import keytar from 'keytar'; void keytar;", /Only main\/keychain imports keytar/],
  ])('rejects %s', async (_name, file, code, message) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['a folder importing one below it through index.ts', 'main/engine/vault/new.ts', "import { LocalBlobStore } from '../storage/index.ts'; void LocalBlobStore;"],
    ['a folder importing its own files', 'main/engine/vault/new.ts', "import { keys } from './format.ts'; void keys;"],
    ['a folder using a leaf of the engine', 'main/engine/restore/new.ts', "import { utimesSeconds } from '../file-times.ts'; void utimesSeconds;"],
    ['sync using the facade for types', 'main/engine/sync/new.ts', "import type { Repository } from '../repository.ts'; export type R = Repository;"],
    ['the service using the facade', 'main/service/new.ts', "import { Repository } from '../engine/repository.ts'; void Repository;"],
    ['the S3 store importing the AWS SDK', 'main/engine/storage/s3-new.ts', "import { S3Client } from '@aws-sdk/client-s3'; void S3Client;"],
    ['a test reaching anywhere', 'main/engine/storage/new.test.ts', "import { Vault } from '../vault/vault.ts'; void Vault;"],
  ])('allows %s', async (_name, file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
