/** Turns any error a CLI command meets into the one-line reason it prints before exiting non-zero. */
import { ConfigError } from '../config/load-config.js';
import { JournalOpenError } from '../../sync/store/journal.js';
import { InstanceLockError } from '../app/instance-lock.js';

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.message}`;
  if (error instanceof JournalOpenError || error instanceof InstanceLockError || error instanceof CliUsageError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return `the local API port is already in use (${error.message}); set localApi.port to another port or 0`;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${error.message}`;
    return error.message;
  }
  return String(error);
}
