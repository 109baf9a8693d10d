import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRendererPath, serveRendererRequest } from './protocol.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'cairn-protocol-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Cairn</title>');
  await writeFile(join(root, 'assets', 'app-1234.js'), 'console.info(1)');
  await writeFile(join(base, 'secret.txt'), 'outside the renderer');
  await symlink(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveRendererPath', () => {
  it('maps app URLs into the renderer folder, routes to index.html', () => {
    expect(resolveRendererPath('/r', 'app://cairn/')).toBe('/r/index.html');
    expect(resolveRendererPath('/r', 'app://cairn/index.html')).toBe('/r/index.html');
    expect(resolveRendererPath('/r', 'app://cairn/assets/app-1234.js?v=1#x')).toBe('/r/assets/app-1234.js');
    expect(resolveRendererPath('/r', 'app://cairn/snapshots/abc')).toBe('/r/index.html');
    expect(resolveRendererPath('/r', 'app://cairn/assets/my%20font.woff2')).toBe('/r/assets/my font.woff2');
  });

  it('refuses anything that could leave the folder or is not ours', () => {
    // Dot segments, even percent-encoded, are resolved by the URL parser and stay inside the root.
    for (const url of ['app://cairn/../secret.txt', 'app://cairn/%2e%2e/secret.txt', 'app://cairn/assets/%2e%2e/%2e%2e/secret.txt']) {
      expect(resolveRendererPath('/r', url), url).toBe('/r/secret.txt');
    }
    for (const url of [
      'app://cairn/..%2fsecret.txt',
      'app://cairn/..%5csecret.txt',
      'app://cairn/assets/%00.js',
      'app://cairn/%E0%A4%A',
      'app://other/index.html',
      'file:///r/index.html',
      'https://cairn/index.html',
    ]) {
      expect(resolveRendererPath('/r', url), url).toBeUndefined();
    }
  });
});

describe('serveRendererRequest', () => {
  it('serves files with a content type and the CSP header', async () => {
    const response = await serveRendererRequest(root, { url: 'app://cairn/', method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Cairn</title>');
    const script = await serveRendererRequest(root, { url: 'app://cairn/assets/app-1234.js', method: 'GET' });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for missing files, traversal and symlinks out of the folder', async () => {
    for (const url of ['app://cairn/missing.js', 'app://cairn/%2e%2e/secret.txt', 'app://cairn/assets/link.txt']) {
      const response = await serveRendererRequest(root, { url, method: 'GET' });
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('outside the renderer');
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await serveRendererRequest(root, { url: 'app://cairn/', method: 'POST' })).status).toBe(405);
    const head = await serveRendererRequest(root, { url: 'app://cairn/', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
