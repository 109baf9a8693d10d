// A small logger for the main process: one line per record to stderr and to a log file in the
// user-data folder. Fields are JSON; errors keep their stack here (and only here: the renderer
// gets error records without one). Secrets are never passed in.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  close(): Promise<void>;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialize(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return '';
  const json = JSON.stringify(fields, (_key, value: unknown) => {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
    }
    return value;
  });
  return json === '{}' ? '' : ` ${json}`;
}

export function formatLogLine(time: Date, level: LogLevel, message: string, fields?: Record<string, unknown>): string {
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${serialize(fields)}\n`;
}

export interface LoggerOptions {
  file?: string;
  level?: LogLevel;
  /** Where else lines go (stderr by default; tests pass a collector). */
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  let stream: WriteStream | undefined;
  if (options.file !== undefined) {
    try {
      mkdirSync(dirname(options.file), { recursive: true });
      stream = createWriteStream(options.file, { flags: 'a', mode: 0o600 });
      stream.on('error', () => {
        stream = undefined;
      });
    } catch {
      stream = undefined;
    }
  }
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    const line = formatLogLine(now(), level, message, fields);
    write(line);
    stream?.write(line);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    close: () =>
      new Promise((resolve) => {
        if (stream === undefined) resolve();
        else stream.end(() => resolve());
      }),
  };
}
