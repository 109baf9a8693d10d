// Measures how long a vault store takes to report an outage ('unreachable') with the service's
// store options and with RetryingBlobStore's defaults: endpoint refusing connections, and
// endpoint accepting connections but never answering. Run: node testing/measure-outage-detection.ts [--stall]

import { createBlobStore } from '../main/engine/storage/index.ts';
import type { CreateBlobStoreOptions } from '../main/engine/storage/index.ts';
import { SERVICE_STORE_OPTIONS } from '../main/service/cairn-service.ts';
import { startS3Server } from './s3-server.ts';
import { startTcpGate } from './tcp-gate.ts';

const server = await startS3Server({ buckets: ['measure'] });
const gate = await startTcpGate(server.endpoint);
const location = { provider: 'other' as const, bucket: 'measure', prefix: 'cairn', endpoint: gate.endpoint, region: server.region, forcePathStyle: true };
const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };

async function time(options: CreateBlobStoreOptions): Promise<{ ms: number; code: string }> {
  const store = createBlobStore(location, { ...options, credentials });
  const t = performance.now();
  let code = 'none';
  try {
    await store.stat('vault.json');
  } catch (error) {
    code = (error as { code?: string }).code ?? 'unknown';
  }
  await store.close();
  return { ms: Math.round(performance.now() - t), code };
}

try {
  await gate.close();
  for (const [name, options] of [['service', SERVICE_STORE_OPTIONS], ['defaults', {}]] as const) {
    const runs = [];
    for (let i = 0; i < 10; i++) runs.push(await time(options));
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    console.log(`refused, ${name}: median ${ms[5]} ms, max ${ms[9]} ms (${runs[0]?.code})`);
  }
  if (process.argv.includes('--stall')) {
    await gate.stall();
    const r = await time(SERVICE_STORE_OPTIONS);
    console.log(`stalled, service: ${r.ms} ms (${r.code})`);
  }
} finally {
  await gate.stop();
  await server.stop();
}
