import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server } from '/work/main/testing/s3-server.ts';
const s = await startS3Server({ buckets: ['bucket-one'] });
const mk = (o: object = {}) => new S3Client({ endpoint: s.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 1, ...o });
const c = mk();
const show = (label: string, e: any) => console.log(label, { name: e.name, code: e.code, Code: e.Code, message: e.message, status: e.$metadata?.httpStatusCode, fault: e.$fault, retryable: e.$retryable, keys: Object.keys(e) });
await c.send(new PutObjectCommand({ Bucket: 'bucket-one', Key: 'x/a b+c', Body: new Uint8Array([1,2,3]), ContentLength: 3 }));
const g = await c.send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'x/a b+c', Range: 'bytes=1-5' }));
console.log('range', g.ContentLength, g.ContentRange, await g.Body!.transformToByteArray());
try { await c.send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'x/a b+c', Range: 'bytes=5-9' })); } catch (e) { show('range416', e); }
try { await c.send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'nope' })); } catch (e) { show('getmissing', e); }
try { await c.send(new HeadObjectCommand({ Bucket: 'bucket-one', Key: 'nope' })); } catch (e) { show('headmissing', e); }
try { await c.send(new HeadObjectCommand({ Bucket: 'missing-bucket', Key: 'nope' })); } catch (e) { show('headnobucket', e); }
try { await c.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'nope' })); } catch (e) { show('getnobucket', e); }
try { await c.send(new ListObjectsV2Command({ Bucket: 'missing-bucket' })); } catch (e) { show('listnobucket', e); }
try { await c.send(new PutObjectCommand({ Bucket: 'missing-bucket', Key: 'k', Body: new Uint8Array(1), ContentLength: 1 })); } catch (e) { show('putnobucket', e); }
console.log('del missing', (await c.send(new DeleteObjectCommand({ Bucket: 'bucket-one', Key: 'nope' }))).$metadata.httpStatusCode);
try { await c.send(new DeleteObjectCommand({ Bucket: 'missing-bucket', Key: 'nope' })); } catch (e) { show('delnobucket', e); }
try { await mk({ credentials: { accessKeyId: s.accessKeyId, secretAccessKey: 'wrong' } }).send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); } catch (e) { show('wrongsecret', e); }
try { await mk({ credentials: { accessKeyId: s.accessKeyId, secretAccessKey: 'wrong' } }).send(new HeadObjectCommand({ Bucket: 'bucket-one', Key: 'x' })); } catch (e) { show('wrongsecret-head', e); }
try { await mk({ credentials: { accessKeyId: 'nobody:x', secretAccessKey: 'wrong' } }).send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); } catch (e) { show('wrongkey', e); }
try { await mk({ endpoint: 'http://127.0.0.1:1' }).send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); } catch (e) { show('dead', e); }
try { await mk({ endpoint: 'http://no-such-host.invalid:9000' }).send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); } catch (e) { show('dns', e); }
try { await mk({ systemClockOffset: -3600_000 }).send(new ListObjectsV2Command({ Bucket: 'bucket-one' })); } catch (e) { show('skew', e); }
try { const c2 = mk({ requestChecksumCalculation: 'WHEN_SUPPORTED' }); await c2.send(new PutObjectCommand({ Bucket: 'bucket-one', Key: 'k', Body: new Uint8Array(10) })); console.log('when_supported put ok'); } catch (e) { show('checksum', e); }
try { const c2 = mk({ requestChecksumCalculation: 'WHEN_SUPPORTED' }); const {Readable} = await import('node:stream'); await c2.send(new PutObjectCommand({ Bucket: 'bucket-one', Key: 'k', Body: Readable.from([Buffer.alloc(10)]), ContentLength: 10 })); console.log('when_supported stream put ok'); } catch (e) { show('checksum-stream', e); }
await s.stop();
