import { startS3Server } from '../s3-server.ts';
import { S3BlobStore } from '../../main/engine/storage/s3-blob-store.ts';
for (const baseDir of [process.argv[2]!]) {
  const s = await startS3Server({ buckets: ['bucket-one'], baseDir });
  const store = new S3BlobStore({ bucket: 'bucket-one', prefix: 'p', endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
  const t = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (next < 500) { const i = next++; await store.put(`many/${i}`, Uint8Array.of(1)); } }));
  console.log(baseDir, '500 puts', Date.now() - t, 'ms');
  await store.close(); await s.stop();
}
