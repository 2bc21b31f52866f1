/**
 * Structured logs (pino) to a size-rotated file in the data directory. Secrets are redacted by
 * key wherever they appear, so a PIN, token or key passed in a log object is never written.
 */
import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { createStream } from 'rotating-file-stream';

export const redactedLogPaths = [
  'pin',
  'pinHash',
  'token',
  'secret',
  'password',
  'authorization',
  'apiToken',
  '*.pin',
  '*.pinHash',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.apiToken',
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
];

export interface LoggerOptions {
  readonly directory: string;
  readonly level: string;
  /** Rotate at this size; 10 files are kept. */
  readonly maxFileSize?: string;
}

export function createFileLogger(options: LoggerOptions): { logger: Logger; close: () => Promise<void> } {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const stream = createStream('terminal.log', { path: options.directory, size: options.maxFileSize ?? '10M', maxFiles: 10, mode: 0o600 });
  const logger = pino({ level: options.level, redact: { paths: redactedLogPaths, censor: '[redacted]' }, base: { pid: process.pid } }, stream);
  return {
    logger,
    close: () =>
      new Promise((resolve) => {
        logger.flush();
        stream.end(() => resolve());
      }),
  };
}

/** A logger that writes nowhere, for commands that run before a data directory exists. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
