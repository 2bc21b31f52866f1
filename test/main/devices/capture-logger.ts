/** A pino logger that keeps its entries in memory, so a test can assert on what was logged. */
import pino, { type Logger } from 'pino';

export interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export function captureLogger(): { logger: Logger; entries: LogEntry[]; messages: () => string[] } {
  const entries: LogEntry[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => entries.push(JSON.parse(line) as LogEntry) });
  return { logger, entries, messages: () => entries.map((entry) => entry.msg) };
}
