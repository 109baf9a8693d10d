// Bundles the preload (preload/index.ts and what it imports from shared/) into one CommonJS file,
// dist/preload/index.cjs: a sandboxed preload can't load ES modules or other files, and may
// require only `electron` (kept external). Then loads the bundle with a fake electron and checks
// that it exposes exactly one method per contract channel, plus `on`.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'preload', 'index.cjs');

// The contract (shared/ipc/contract.ts) is channel names and types only; the zod schemas are main's
// (main/ipc/schemas.ts). Checked below: no zod in the bundle.
const result = await build({
  entryPoints: [join(root, 'preload', 'index.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  // The sandboxed preload runs in a renderer: browser semantics, no Node built-ins.
  platform: 'browser',
  target: 'chrome130',
  external: ['electron'],
  metafile: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});

const zodInputs = Object.keys(result.metafile.inputs).filter((input) => /node_modules\/zod\//.test(input));
if (zodInputs.length > 0) fail(`the preload bundles zod (${zodInputs[0]} …): the contract it imports must stay free of it`);

const bundle = await readFile(outfile, 'utf8');
const required = [...bundle.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((match) => match[1]);
const unexpected = required.filter((name) => name !== 'electron');
if (unexpected.length > 0) fail(`the sandboxed preload may only require 'electron', found: ${unexpected.join(', ')}`);

// Smoke test: run the bundle as Electron would, with a recording context bridge.
const exposed = new Map();
const fakeElectron = {
  contextBridge: { exposeInMainWorld: (key, api) => exposed.set(key, api) },
  ipcRenderer: { invoke: async () => undefined, on: () => undefined, removeListener: () => undefined },
};
vm.runInNewContext(bundle, {
  require: (name) => (name === 'electron' ? fakeElectron : fail(`unexpected require('${name}')`)),
  module: { exports: {} },
  exports: {},
});
const { CHANNELS } = await import(pathToFileURL(join(root, 'shared', 'ipc', 'contract.ts')).href);
const api = exposed.get('cairn');
if (exposed.size !== 1 || api === undefined) fail(`expected exactly window.cairn to be exposed, got: ${[...exposed.keys()].join(', ') || 'nothing'}`);
const expected = [...CHANNELS, 'on'].sort().join(',');
const actual = Object.keys(api).sort().join(',');
if (actual !== expected) fail(`window.cairn does not match the contract.\n  expected: ${expected}\n  actual:   ${actual}`);

console.log(`build-preload: wrote ${outfile} (${(bundle.length / 1024).toFixed(1)} KiB, ${CHANNELS.length} channels)`);

function fail(message) {
  console.error(`build-preload: ${message}`);
  process.exit(1);
}
