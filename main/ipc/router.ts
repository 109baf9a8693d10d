// The IPC boundary without Electron (VS Code's validatedIpcMain, GitHub Desktop's typed channel
// map): a request is answered only if its channel is in the contract, its sender is the app's own
// main frame, and its payload passes the channel's schema. Whatever a handler throws becomes an
// error record ({ code, message, retryable }): never a stack trace, never an exception in the
// renderer. Used by the Electron binding and by the e2e host alike.

import type { z } from 'zod';
import { CHANNELS, type Channel, type Handlers, type ResponseOf, type Result } from '../../shared/ipc/contract.ts';
import { requestSchemas } from './schemas.ts';
import { toErrorRecord, type ErrorRecord } from '../../shared/errors.ts';

/** What the router knows about who sent a request. */
export interface SenderInfo {
  /** URL of the frame that sent the request ('' or undefined when unknown or gone). */
  url: string | undefined;
  /** Whether that frame is its window's top frame (not an iframe). */
  isMainFrame: boolean;
}

export type SenderCheck = (sender: SenderInfo) => boolean;

/** The custom protocol the renderer is served from; see main/app/protocol.ts. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'cairn';

/** A URL of the app's own pages: app://cairn/…, without credentials. */
export function isAppUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  // Non-special schemes have an opaque ("null") origin in WHATWG URL, so compare the parts.
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === '';
}

/** Trusted: the top frame of a page served from app://cairn/. */
export function isAppSender(sender: SenderInfo): boolean {
  return sender.isMainFrame && sender.url !== undefined && sender.url !== '' && isAppUrl(sender.url);
}

export interface RouterLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RouterOptions {
  isTrustedSender?: SenderCheck;
  log?: RouterLog;
  /** Cairn's state folder, named when its disk is full (toErrorRecord). */
  stateDir?: string;
}

export type AnyResult = Result<ResponseOf<Channel>>;

export interface Router {
  readonly channels: readonly Channel[];
  handle(channel: string, payload: unknown, sender: SenderInfo): Promise<AnyResult>;
}

const channelSet: ReadonlySet<string> = new Set(CHANNELS);

export function isChannel(channel: string): channel is Channel {
  return channelSet.has(channel);
}

function refused(message: string): { ok: false; error: ErrorRecord } {
  return { ok: false, error: { code: 'ipc', message, retryable: false } };
}

/** "snapshotId: a snapshot id; maxBytes: Too big…" — paths and messages only, never the values sent. */
export function summarizeIssues(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = error.issues.length - limit;
  if (more > 0) parts.push(`and ${more} more`);
  return parts.join('; ');
}

type AnyHandler = (request: unknown) => Promise<unknown>;

export function createRouter(handlers: Handlers, options: RouterOptions = {}): Router {
  const isTrusted = options.isTrustedSender ?? isAppSender;
  const log = options.log;

  async function handle(channel: string, payload: unknown, sender: SenderInfo): Promise<AnyResult> {
    if (!isChannel(channel)) {
      log?.warn('ipc: refused an unknown channel', { channel: channel.slice(0, 100) });
      return refused(`Unknown request '${channel.slice(0, 100)}'.`);
    }
    if (!isTrusted(sender)) {
      log?.warn('ipc: refused a request from an untrusted sender', { channel, url: sender.url?.slice(0, 200), isMainFrame: sender.isMainFrame });
      return refused(`Request '${channel}' refused: it did not come from Cairn's own window.`);
    }
    const parsed = requestSchemas[channel].safeParse(payload);
    if (!parsed.success) {
      const summary = summarizeIssues(parsed.error);
      log?.warn('ipc: refused an invalid request', { channel, issues: summary });
      return refused(`Invalid request '${channel}': ${summary}.`);
    }
    const handler = handlers[channel] as AnyHandler;
    try {
      const value = (await handler(parsed.data)) as ResponseOf<Channel>;
      return { ok: true, value };
    } catch (error) {
      const record = toErrorRecord(error, { stateDir: options.stateDir });
      // The full error, stack included, stays in main's log; the renderer gets the record.
      if (record.code === 'internal') log?.error('ipc: handler failed', { channel, error });
      return { ok: false, error: record };
    }
  }

  return { channels: CHANNELS, handle };
}
