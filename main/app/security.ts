// What the window may load, navigate to and open: only Cairn's own pages from app://cairn/, a
// strict CSP on them, no remote content, every permission denied, and external links only over
// https to an allow-list, handed to the system browser. Decisions are pure functions; the
// harden* functions apply them to Electron objects passed in.

import type { Session, WebContents, WebPreferences } from 'electron';
import { isAppUrl } from '../ipc/router.ts';

export { isAppUrl };

/** Sent as a header with every app:// response (frame-ancestors only works as a header). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Hosts the app may open in the system browser: docs and the storage providers' consoles. */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'github.com',
  'dash.cloudflare.com',
  'developers.cloudflare.com',
  'console.aws.amazon.com',
  'docs.aws.amazon.com',
  'secure.backblaze.com',
  'www.backblaze.com',
  'min.io',
];

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** https, default port, no credentials, host exactly on the list. */
export function isAllowedExternalUrl(url: string, allowedHosts: readonly string[] = EXTERNAL_LINK_HOSTS): boolean {
  const parsed = parse(url);
  if (parsed === undefined) return false;
  return parsed.protocol === 'https:' && parsed.port === '' && parsed.username === '' && parsed.password === '' && allowedHosts.includes(parsed.hostname);
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny' } | { action: 'open-external'; url: string };

/** A page navigating itself: stay inside the app, or hand an allowed link to the browser. */
export function decideNavigation(url: string, allowedHosts: readonly string[] = EXTERNAL_LINK_HOSTS): NavigationDecision {
  if (isAppUrl(url)) return { action: 'allow' };
  if (isAllowedExternalUrl(url, allowedHosts)) return { action: 'open-external', url };
  return { action: 'deny' };
}

/** window.open / target=_blank: never a new Electron window. */
export function decideWindowOpen(url: string, allowedHosts: readonly string[] = EXTERNAL_LINK_HOSTS): NavigationDecision {
  return isAllowedExternalUrl(url, allowedHosts) ? { action: 'open-external', url } : { action: 'deny' };
}

export interface SecurityLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface HardenOptions {
  openExternal(url: string): Promise<void>;
  log: SecurityLog;
  allowedHosts?: readonly string[];
}

export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  const apply = (decision: NavigationDecision, url: string, what: string): void => {
    if (decision.action === 'open-external') void options.openExternal(decision.url);
    else if (decision.action === 'deny') options.log.warn(`security: blocked ${what}`, { url: url.slice(0, 200) });
  };
  contents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, options.allowedHosts);
    if (decision.action !== 'allow') event.preventDefault();
    apply(decision, url, 'a navigation');
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      options.log.warn('security: blocked a redirect', { url: url.slice(0, 200) });
    }
  });
  contents.setWindowOpenHandler(({ url }) => {
    apply(decideWindowOpen(url, options.allowedHosts), url, 'a new window');
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.log.warn('security: blocked a webview');
  });
}

/** Denies every permission and cancels any request to the network from the app's pages. */
export function hardenSession(session: Session, log: SecurityLog): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn('security: denied a permission request', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (details, callback) => {
    log.warn('security: blocked a network request from a page', { url: details.url.slice(0, 200) });
    callback({ cancel: true });
  });
}

/** The renderer's web preferences: nothing of Node, nothing remote, only the preload's bridge. */
export function secureWebPreferences(preloadPath: string, options: { devTools: boolean } = { devTools: false }): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: options.devTools,
  };
}
