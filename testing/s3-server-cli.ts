// Runs the test S3 server (s3-server.ts) in the foreground for benchmarks and manual runs:
// prints one JSON line with the endpoint and credentials once it is ready, and stops (removing
// its data) on SIGINT or SIGTERM.
//
//   node testing/s3-server-cli.ts --bucket cairn --bucket other [--base-dir /tmp]
//   {"endpoint":"http://127.0.0.1:41234","region":"us-east-1","accessKeyId":"test:tester",...}

import { parseArgs } from 'node:util';
import { startS3Server, type S3ServerOptions } from './s3-server.ts';

const { values } = parseArgs({
  options: {
    bucket: { type: 'string', multiple: true, default: [] },
    'base-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log('Usage: node testing/s3-server-cli.ts [--bucket NAME]... [--base-dir DIR]');
  process.exit(0);
}

const options: S3ServerOptions = { buckets: values.bucket };
if (values['base-dir'] !== undefined) options.baseDir = values['base-dir'];

try {
  const server = await startS3Server(options);
  const { endpoint, region, accessKeyId, secretAccessKey, dir, pids } = server;
  console.log(JSON.stringify({ endpoint, region, accessKeyId, secretAccessKey, buckets: values.bucket, dir, pids }));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
