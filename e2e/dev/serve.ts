// DEV ONLY: serve the built renderer against the in-memory fake, to look at the UI by hand:
//   npm run build:renderer && node e2e/dev/serve.ts [--configured] [--port 5599]
// then open the printed URL in Chromium.

import { fileURLToPath } from 'node:url';
import { startHost } from '../host/host.ts';
import { createFakeService } from './fake-service.ts';

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
const fake = createFakeService({ configured: args.includes('--configured') });
const host = await startHost({
  rendererDir: fileURLToPath(new URL('../../dist/renderer', import.meta.url)),
  service: fake,
  port,
});
console.log(host.url);
process.on('SIGINT', () => void host.close().then(() => process.exit(0)));
