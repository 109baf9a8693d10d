// Issue 10: "Throttled for 60 s with Retry-After, a CLI backup completes." The built CLI's command
// runs against the real S3 server through a proxy that answers every request with 503 SlowDown
// and Retry-After for 60 s, as a busy provider does; the backup waits it out (the CLI's
// throttle budget is 5 minutes) and completes, and the snapshot restores byte for byte.

import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees, removeTempDirs, tempDir } from '../../testing/repo.ts';
import { startS3Server, type S3Server } from '../../testing/s3-server.ts';
import { runCli } from '../../testing/cli.ts';

const THROTTLE_MS = 60_000;
let server: S3Server;
let proxy: Server;
let proxyEndpoint: string;
let throttledUntil = 0;
let refused = 0;

const cairn = runCli;

beforeAll(async () => {
  server = await startS3Server({ buckets: ['throttled'] });
  const upstream = new URL(server.endpoint);
  const agent = new Agent({ keepAlive: true });
  proxy = createServer((req, res) => {
    if (Date.now() < throttledUntil) {
      refused++;
      req.resume();
      const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
      res.writeHead(503, { 'Retry-After': '5', 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    // The Host header passes unchanged, so signatures made for the proxy verify at the server.
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await server?.stop();
  removeTempDirs();
});

describe('cairn backup against a provider throttling for 60 s', () => {
  it('waits out Retry-After and completes; the snapshot restores', async () => {
    const base = tempDir('cairn-cli-throttled-');
    const home = join(base, 'work');
    mkdirSync(join(home, 'sessions'), { recursive: true });
    writeFileSync(join(home, 'sessions', 'a.jsonl'), '{"turn":1}\n'.repeat(2000));
    const env = { ...process.env, CAIRN_PASSPHRASE: 'throttled passphrase', CAIRN_STATE_DIR: join(base, 'state'), HOME: base, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: server.region, CAIRN_THREADS: '1' };
    const repo = ['--repo', 's3://throttled/cairn', '--endpoint', proxyEndpoint, '--path-style'];
    const init = await cairn(['init', ...repo], env);
    expect(init.code, init.stderr).toBe(0);

    throttledUntil = Date.now() + THROTTLE_MS;
    const started = Date.now();
    const backed = await cairn(['backup', ...repo, '--json', home], env);
    const tookMs = Date.now() - started;
    expect(backed.code, backed.stderr).toBe(0);
    expect(refused).toBeGreaterThan(5);
    expect(tookMs).toBeGreaterThanOrEqual(THROTTLE_MS - 1000);
    const result = JSON.parse(backed.stdout) as { snapshot: string; offline?: boolean };
    expect(result.offline).toBeUndefined();

    const target = tempDir('cairn-cli-throttled-restore-');
    const restored = await cairn(['restore', ...repo, '--snapshot', result.snapshot, '--target', target], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(diffTrees(home, join(target, 'work'))).toEqual([]);
  }, 150_000);
});
