import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3Server } from '../s3-server.ts';
const s = await startS3Server({ buckets: ['bucket-one'] });
const c = new S3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, maxAttempts: 1, systemClockOffset: -3600_000 });
for (let i = 0; i < 2; i++) { try { await c.send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); console.log(i, 'ok', c.config.systemClockOffset); } catch (e: any) { console.log(i, e.name, c.config.systemClockOffset); } }
const c3 = new S3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, systemClockOffset: -3600_000 });
try { const r = await c3.send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); console.log('default retries ok', r.$metadata.attempts); } catch (e: any) { console.log('default retries', e.name); }
await s.stop();
