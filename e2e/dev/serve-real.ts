// DEV ONLY: the real service on a fixture home with a local-folder vault, to look at real data:
//   npm run build:renderer && node e2e/dev/serve-real.ts
// Open the printed URL; choose "Try it with no cloud account" and the printed vault folder.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtureHome } from '../fixtures/home.ts';
import { startApp } from '../host/app-under-test.ts';

const root = mkdtempSync(join(tmpdir(), 'cairn-dev-'));
const fixture = await buildFixtureHome(join(root, 'home'));
const app = await startApp({ home: fixture.home, tempRoot: root });
app.nextFolder = join(root, 'vault');
console.log(`vault folder: ${app.nextFolder}`);
console.log(app.host?.url);
process.on('SIGINT', () => void app.close().then(() => process.exit(0)));
