// Lists, reads, streams and looks at files through localFiles on a worker thread (where it uses synchronous calls),
// for main/engine/sessions/files.test.ts to compare with the main thread's results.

import { parentPort, workerData } from 'node:worker_threads';
import { localFiles } from '../main/engine/sessions/files.ts';
import { streamedThrough } from './sessions.ts';

const { root, dirs, read, streams = [] } = workerData as { root: string; dirs: string[]; read: string[]; streams?: { path: string; start: number }[] };
const files = localFiles(root);
const lists = await Promise.all(dirs.map((d) => files.list(d)));
const texts = await Promise.all(read.map(async (p) => files.read(p).then((b) => b.toString('utf8'), (e: NodeJS.ErrnoException) => `error ${e.code}`)));
const streamed = [];
for (const s of streams) streamed.push(await streamedThrough(files, s.path, s.start));
parentPort?.postMessage({ lists, texts, ...(streams.length > 0 ? { streamed } : {}) });
