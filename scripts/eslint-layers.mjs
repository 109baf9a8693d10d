// Cairn's layer rules as one ESLint rule, so that `npm run lint` fails on an import that crosses
// them (docs/DESKTOP.md and ../shared/DESIGN.md state them; this enforces them):
//
// - The engine's folders form one order, bottom up (ENGINE_ORDER). A folder imports only folders
//   below it, and only through their index.ts; a folder's own files import each other freely.
//   (DIRECT_IMPORTS names the few files that may be imported past their index.ts.)
//   Root files of the engine: paths.ts, file-times.ts, atomic-file.ts, make-dirs.ts, sqlite-logs.ts, open-files.ts, progress-reporter.ts, concurrency.ts, local-folder.ts and temp-files.ts are leaves anyone in the engine may use;
//   repository.ts and operations.ts are the facade above every folder (local-vault-files.ts is the facade's own).
// - Areas outside the engine import only the areas listed in AREA_DEPS.
// - Packages with one home: the AWS SDK only in engine/storage/s3*, keytar only in main/keychain,
//   electron only in main/app, main/ipc and preload.
//
// Test files, test helpers (testing/), benchmarks, e2e and scripts are outside these rules.

import { dirname, relative, resolve, sep } from 'node:path';

/** Bottom up: each folder may import those before it. */
export const ENGINE_ORDER = ['storage', 'crypto', 'chunk', 'state', 'vault', 'workers', 'backup', 'outbox', 'restore', 'agents', 'sessions', 'sync', 'catalog'];
const ENGINE_LEAVES = new Set(['paths.ts', 'file-times.ts', 'atomic-file.ts', 'make-dirs.ts', 'sqlite-logs.ts', 'open-files.ts', 'progress-reporter.ts', 'concurrency.ts', 'local-folder.ts', 'temp-files.ts']);
const ENGINE_FACADE = new Set(['repository.ts', 'operations.ts']);
/** Engine folders that may use the facade's types (sync and catalog work on a whole Repository). */
const FACADE_TYPE_USERS = new Set(['sync', 'catalog']);
/**
 * Files a folder above may import directly, past their folder's index.ts: a worker thread's entry
 * loads what it imports, and through agents/index.ts the session worker loaded the whole engine
 * (the S3 client, yaml, zod: ~200 ms of CPU per worker; catalog/meta-worker-imports.test.ts).
 * Each imports nothing but Node, packages and shared/.
 */
const DIRECT_IMPORTS = new Set(['agents/sqlite-copy.ts']);

/** What each area outside the engine may import, besides itself. */
export const AREA_DEPS = {
  shared: [],
  renderer: ['shared'],
  preload: ['shared'],
  'main/engine': ['shared'],
  'main/keychain': ['shared'],
  'main/scheduler': ['shared'],
  'main/ipc': ['shared'],
  'main/service': ['shared', 'main/engine', 'main/keychain', 'main/scheduler', 'main/ipc'],
  'main/cli': ['shared', 'main/engine', 'main/keychain', 'main/service'],
  'main/app': ['shared', 'main/engine', 'main/keychain', 'main/scheduler', 'main/service', 'main/ipc'],
};
const AREAS = Object.keys(AREA_DEPS).sort((a, b) => b.length - a.length);

const PACKAGE_HOMES = [
  { test: (s) => s === '@aws-sdk' || s.startsWith('@aws-sdk/') || s.startsWith('@smithy/'), allowed: (f) => /^main\/engine\/storage\/s3[^/]*\.ts$/.test(f), message: 'Only main/engine/storage/s3*.ts imports the AWS SDK.' },
  { test: (s) => s === 'keytar', allowed: (f) => f.startsWith('main/keychain/'), message: 'Only main/keychain imports keytar.' },
  { test: (s) => s === 'electron' || s.startsWith('electron/'), allowed: (f) => /^(main\/app|main\/ipc|preload)\//.test(f), message: 'Only main/app, main/ipc and preload import electron.' },
];

function isExempt(file) {
  return /\.test\.tsx?$/.test(file) || /^(testing|bench|e2e|scripts)\//.test(file) || /\.config\.[cm]?[jt]s$/.test(file);
}

function areaOf(file) {
  return AREAS.find((a) => file === a || file.startsWith(`${a}/`));
}

/** For a path inside main/engine: { folder } for a folder's file, { root } for a root file. */
function enginePlace(file) {
  const rest = file.slice('main/engine/'.length).split('/');
  return rest.length === 1 ? { root: rest[0] } : { folder: rest[0], inner: rest.slice(1).join('/') };
}

/** The reason `file` may not import `target` (both repo-relative), or undefined when it may. */
export function layerViolation(file, target, { typeOnly = false } = {}) {
  if (isExempt(file)) return undefined;
  const from = areaOf(file);
  const to = areaOf(target);
  if (!from || !to) return undefined;
  if (from !== to) {
    if (!AREA_DEPS[from].includes(to)) return `${from} may not import ${to} (it may import: ${AREA_DEPS[from].join(', ') || 'nothing outside itself'}).`;
    if (to === 'main/engine') {
      const place = enginePlace(target);
      if (place.folder && place.inner !== 'index.ts') return `Import main/engine/${place.folder} through its index.ts, not ${place.inner}.`;
    }
    return undefined;
  }
  if (from !== 'main/engine') return undefined;

  const src = enginePlace(file);
  const dst = enginePlace(target);
  if (src.folder === undefined) return undefined; // the facade and the leaves sit above or beside the folders
  if (dst.root !== undefined) {
    if (ENGINE_LEAVES.has(dst.root)) return undefined;
    if (ENGINE_FACADE.has(dst.root) && typeOnly && FACADE_TYPE_USERS.has(src.folder)) return undefined;
    return `main/engine/${src.folder} may not import the engine's facade (${dst.root}): pass what it needs in as a parameter.`;
  }
  if (dst.folder === src.folder) return undefined;
  const i = ENGINE_ORDER.indexOf(src.folder);
  const j = ENGINE_ORDER.indexOf(dst.folder);
  if (i < 0) return `main/engine/${src.folder} is not in the engine's layer order: add it to ENGINE_ORDER in scripts/eslint-layers.mjs.`;
  if (j < 0 || j >= i) {
    const below = ENGINE_ORDER.slice(0, i);
    return `main/engine/${src.folder} may not import ${dst.folder}: it sits ${j < 0 ? 'outside the layer order' : 'at or above it'}. It may import: ${below.join(', ') || 'no other engine folder'}. Pass what it needs from above in as a parameter.`;
  }
  if (dst.inner !== 'index.ts' && !DIRECT_IMPORTS.has(`${dst.folder}/${dst.inner}`)) return `Import main/engine/${dst.folder} through its index.ts, not ${dst.inner}.`;
  return undefined;
}

function toRepoPath(root, absolute) {
  return relative(root, absolute).split(sep).join('/');
}

const layersRule = {
  meta: { type: 'problem', docs: { description: "Cairn's layer and package-home rules" }, schema: [] },
  create(context) {
    const root = context.cwd;
    const file = toRepoPath(root, context.filename);
    function check(node, source, typeOnly) {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        const home = PACKAGE_HOMES.find((h) => h.test(source));
        if (home && !isExempt(file) && !home.allowed(file)) context.report({ node, message: home.message });
        return;
      }
      const target = toRepoPath(root, resolve(dirname(context.filename), source));
      const reason = layerViolation(file, target, { typeOnly });
      if (reason) context.report({ node, message: reason });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
    };
  },
};

export const layersPlugin = { rules: { layers: layersRule } };
