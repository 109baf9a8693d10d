// The test host itself: the bridge is guarded by origin and per-run token, and it is never part
// of the production renderer bundle.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { startApp, RENDERER_DIR, type AppUnderTest } from './host/app-under-test.ts';
import { BRIDGE_MARKER, BRIDGE_PATH } from './host/host.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('the renderer bundle holds no bridge, no fake and no remote content', () => {
  const files = filesUnder(RENDERER_DIR);
  expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    expect(text, file).not.toContain(BRIDGE_MARKER);
    expect(text, file).not.toContain(BRIDGE_PATH.slice(1));
    expect(text, file).not.toContain('new WebSocket');
    expect(text, file).not.toContain('createFakeService');
    expect(text, file).not.toMatch(/https?:\/\/(?!www\.w3\.org|react\.dev|reactjs\.org)[a-z0-9.-]+\.(com|net|io|dev)\/[^\s"'`]*\.(js|css)/);
  }
  const html = readFileSync(join(RENDERER_DIR, 'index.html'), 'utf8');
  expect(html).toContain("script-src 'self'");
  expect(html).not.toContain('unsafe-inline');
});

test.describe('bridge guard', () => {
  let app: AppUnderTest;
  let root: string;

  test.beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cairn-e2e-host-'));
    app = await startApp({ home: join(root, 'home'), tempRoot: root });
  });
  test.afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  const connect = (url: string, origin: string): Promise<{ status: number; ws?: WebSocket }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { origin });
      ws.on('open', () => resolve({ status: 101, ws }));
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
      ws.on('error', () => resolve({ status: 0 }));
    });

  test('refuses connections without the token, with a wrong one, or from another origin', async () => {
    const host = app.host;
    if (!host) throw new Error('no host');
    const base = host.origin.replace('http', 'ws');
    expect((await connect(`${base}/bridge`, host.origin)).status).toBe(401);
    expect((await connect(`${base}/bridge?token=${'0'.repeat(host.token.length)}`, host.origin)).status).toBe(401);
    expect((await connect(`${base}/bridge?token=${host.token}`, 'http://evil.example')).status).toBe(403);
    expect(host.connections()).toBe(0);
  });

  test('answers typed requests with the token, validated by the IPC router', async () => {
    const host = app.host;
    if (!host) throw new Error('no host');
    const { status, ws } = await connect(`${host.origin.replace('http', 'ws')}/bridge?token=${host.token}`, host.origin);
    expect(status).toBe(101);
    if (!ws) throw new Error('no socket');
    const ask = (id: number, channel: string, request: unknown): Promise<{ ok: boolean; value?: { state?: string }; error?: { code: string; message: string } }> =>
      new Promise((resolve) => {
        const onMessage = (data: WebSocket.RawData): void => {
          const message = JSON.parse(String(data)) as { id?: number; result: never };
          if (message.id === id) {
            ws.off('message', onMessage);
            resolve(message.result);
          }
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, channel, request }));
      });
    const status1 = await ask(1, 'status.get', {});
    expect(status1).toMatchObject({ ok: true, value: { state: 'unconfigured' } });
    const invalid = await ask(2, 'sync.pause', { minutes: -5 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'ipc' } });
    const unknown = await ask(3, 'fs.readFile', { path: '/etc/passwd' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'ipc' } });
    ws.close();
  });

  test('the page gets the bridge from the host, and the token leaves the address bar', async ({ page }) => {
    const host = app.host;
    if (!host) throw new Error('no host');
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    await page.goto(host.url);
    await expect(page.getByRole('heading', { name: 'Where should Cairn keep your vault?' })).toBeVisible();
    expect(page.url()).not.toContain(host.token);
    expect(await page.evaluate(() => typeof window.cairn.on)).toBe('function');
    expect(errors).toEqual([]);
  });
});
