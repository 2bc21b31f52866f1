/**
 * The technician's "Export logs" archive (`technician.exportLogs`): one `.tar.gz` holding
 * - `logs/<file>`: the terminal's log files (the newest `maxLogBytes` of each, marked when cut);
 * - `config-redacted.json`: the configuration the terminal runs with, secrets removed: every
 *   value under a key naming a PIN, hash, key, token, secret, password or credential becomes
 *   `[redacted]`, and user:password parts of URLs are removed;
 * - `journal-report.json`: `PRAGMA integrity_check`, schema version, durability pragmas, row
 *   counts, outbox depth and the dead letters (without their payloads);
 * - `manifest.json`: terminal id, version, when and by whom.
 * Nothing here writes to the data directory; the archive is returned as bytes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../../sync/store/journal.js';
import type { TerminalConfig } from '../config/config-schema.js';
import { tarGzArchive, type ArchiveFile } from './tar-gz.js';

export const redactedText = '[redacted]';
const secretKey = /pin|hash|key|token|secret|password|credential|authorization/i;

/** A deep copy of VALUE with secrets removed (see the file comment). */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === 'string') return value.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1');
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, secretKey.test(key) ? redactedText : redactSecrets(entry)]));
}

export interface DiagnosticsExportOptions {
  readonly config: TerminalConfig;
  readonly journal: Journal;
  readonly logsDirectory: string;
  readonly terminalVersion: string;
  readonly exportedBy: string;
  readonly atMs: number;
  /** Per log file; older content is cut. Default 8 MiB. */
  readonly maxLogBytes?: number | undefined;
}

export interface DiagnosticsExport {
  readonly fileName: string;
  readonly archive: Buffer;
  readonly entries: readonly string[];
}

function logFiles(directory: string, maxBytes: number): ArchiveFile[] {
  let names: string[];
  try {
    names = readdirSync(directory).sort();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return [{ name: 'logs/README.txt', content: `the log folder ${directory} could not be read (${reason})\n`, mtimeMs: Date.now() }];
  }
  return names.flatMap((name): ArchiveFile[] => {
    const path = join(directory, name);
    const stats = statSync(path);
    if (!stats.isFile() || !/^[\x21-\x7e]{1,90}$/.test(name)) return [];
    const content = readFileSync(path);
    const cut = content.length > maxBytes;
    return [{ name: `logs/${name}`, content: cut ? Buffer.concat([Buffer.from(`[cut: the first ${content.length - maxBytes} bytes are left out]\n`), content.subarray(content.length - maxBytes)]) : content, mtimeMs: stats.mtimeMs }];
  });
}

export function exportDiagnostics(options: DiagnosticsExportOptions): DiagnosticsExport {
  const { config, journal, atMs } = options;
  const report = {
    ...journal.integrityReport(),
    deadLetters: journal.deadLetters(1000).map(({ entryId, outboxSeq, kind, reason, rejectedAtMs }) => ({ entryId, outboxSeq, kind, reason, rejectedAtMs })),
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: ArchiveFile[] = [
    { name: 'manifest.json', content: json({ terminalId: config.terminal.id, version: options.terminalVersion, exportedAtMs: atMs, exportedBy: options.exportedBy }), mtimeMs: atMs },
    { name: 'config-redacted.json', content: json(redactSecrets(config)), mtimeMs: atMs },
    { name: 'journal-report.json', content: json(report), mtimeMs: atMs },
    ...logFiles(options.logsDirectory, options.maxLogBytes ?? 8 * 1024 * 1024),
  ];
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return { fileName: `terminal-${config.terminal.id}-${stamp}.tar.gz`, archive: tarGzArchive(files), entries: files.map((file) => file.name) };
}
