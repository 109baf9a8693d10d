// Measures S3BlobStore put and get throughput against the test S3 server (Swift s3api):
// `--objects` objects of `--size-mib` MiB with `--in-flight` requests at a time.
//
//   node testing/s3-throughput.ts [--objects 32] [--size-mib 16] [--in-flight 8] [--base-dir /tmp]

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { S3BlobStore } from '../main/engine/storage/s3-blob-store.ts';
import { startS3Server, type S3ServerOptions } from './s3-server.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '32' },
    'size-mib': { type: 'string', default: '16' },
    'in-flight': { type: 'string', default: '8' },
    'base-dir': { type: 'string' },
  },
});
const objects = Number(values.objects);
const size = Number(values['size-mib']) * 1024 * 1024;
const inFlight = Number(values['in-flight']);

const serverOptions: S3ServerOptions = { buckets: ['bench'] };
if (values['base-dir'] !== undefined) serverOptions.baseDir = values['base-dir'];
const server = await startS3Server(serverOptions);
const store = new S3BlobStore({
  bucket: 'bench',
  prefix: 'throughput',
  endpoint: server.endpoint,
  region: server.region,
  forcePathStyle: true,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  maxSockets: inFlight,
});

try {
  // A few distinct payloads: no provider deduplicates, but this keeps the generator out of the timing.
  const payloads = Array.from({ length: 4 }, () => new Uint8Array(randomBytes(size)));
  const keys = Array.from({ length: objects }, (_, i) => `obj/${String(i).padStart(4, '0')}`);
  await store.put('warmup', payloads[0]!.subarray(0, 1024));

  const putSeconds = await timed(() => pool(keys, inFlight, (key, i) => store.put(key, payloads[i % payloads.length]!)));
  let bytesRead = 0;
  const getSeconds = await timed(() =>
    pool(keys, inFlight, async (key) => {
      const data = await store.get(key);
      bytesRead += data.length;
    }),
  );
  if (bytesRead !== objects * size) throw new Error(`read ${bytesRead} bytes, expected ${objects * size}`);

  const mib = (objects * size) / 1024 / 1024;
  const report = {
    objects,
    objectMiB: size / 1024 / 1024,
    inFlight,
    dataDir: server.dir,
    putMiBps: round(mib / putSeconds),
    getMiBps: round(mib / getSeconds),
    putSeconds: round(putSeconds),
    getSeconds: round(getSeconds),
  };
  console.log(JSON.stringify(report));
} finally {
  await store.close();
  await server.stop();
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function pool(keys: string[], limit: number, work: (key: string, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const index = next++;
      await work(keys[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
