import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, decideNavigation, decideWindowOpen, isAllowedExternalUrl, isAppUrl, secureWebPreferences } from './security.ts';

describe('external links', () => {
  it('allows only https links to listed hosts', () => {
    expect(isAllowedExternalUrl('https://github.com/cairn/cairn/issues')).toBe(true);
    expect(isAllowedExternalUrl('https://dash.cloudflare.com/?to=/:account/r2')).toBe(true);
    for (const url of [
      'http://github.com/',
      'https://github.com.evil.example/',
      'https://evil.example/?github.com',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});

describe('navigation', () => {
  it('keeps app pages in the window, sends allowed links to the browser, blocks the rest', () => {
    expect(decideNavigation('app://cairn/index.html#/snapshots')).toEqual({ action: 'allow' });
    expect(decideNavigation('https://github.com/x')).toEqual({ action: 'open-external', url: 'https://github.com/x' });
    expect(decideNavigation('https://evil.example/')).toEqual({ action: 'deny' });
    expect(decideNavigation('file:///home/a/index.html')).toEqual({ action: 'deny' });
    expect(decideNavigation('app://other/')).toEqual({ action: 'deny' });
  });

  it('never opens a new app window', () => {
    expect(decideWindowOpen('app://cairn/index.html')).toEqual({ action: 'deny' });
    expect(decideWindowOpen('https://docs.aws.amazon.com/s3/')).toEqual({ action: 'open-external', url: 'https://docs.aws.amazon.com/s3/' });
    expect(decideWindowOpen('about:blank')).toEqual({ action: 'deny' });
  });

  it('recognises app URLs exactly', () => {
    expect(isAppUrl('app://cairn/')).toBe(true);
    expect(isAppUrl('app://cairn.example/')).toBe(false);
    expect(isAppUrl('app://x@cairn/')).toBe(false);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('allows only the app’s own scripts and no framing, plugins or forms', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((directive) => [directive.split(' ')[0], directive]));
    expect(directives.get('default-src')).toBe("default-src 'none'");
    expect(directives.get('script-src')).toBe("script-src 'self'");
    expect(directives.get('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directives.get('object-src')).toBe("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('secureWebPreferences', () => {
  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    expect(secureWebPreferences('/app/dist/preload/index.cjs').devTools).toBe(false);
    expect(secureWebPreferences('/app/dist/preload/index.cjs', { devTools: true })).toMatchObject({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});
