/**
 * The durable `PrintJobStore` (hardware/printers/print-job-store.ts) on the journal's SQLite file:
 * receipts waiting for proof of print survive a restart and are reprinted on recovery, once.
 *
 * sync/ never imports hardware/, so the record types are restated here; the class matches the
 * interface structurally and test/sync/store/print-job-store.test.ts checks it against it.
 *
 * Contract: every method is synchronous; a change is committed (WAL, synchronous=FULL) when the
 * method returns. The only table is `print_jobs` (journal migration 2). Pending jobs come back
 * in the order they were added (`seq`), whatever their timestamps.
 */
import type Database from 'better-sqlite3';
import type { PrintJobState } from '../../main/domain/print-job-states.js';
import { openJournalConnection } from './journal-connection.js';
import { StatementCache } from './statement-cache.js';

export interface NewPrintJobRecord {
  readonly id: string;
  readonly description: string;
  readonly bytes: Uint8Array;
}

export interface StoredPrintJobRecord extends NewPrintJobRecord {
  readonly state: PrintJobState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly printedAtMs: number | null;
}

/**
 * Every statement of the store; each runs per printed receipt, and each is served by an index
 * (test/sync/store/print-job-store.test.ts checks the plans with EXPLAIN QUERY PLAN).
 */
export const printJobQueries = {
  add: `INSERT INTO print_jobs (id, description, bytes, state, attempts, last_error, created_at_ms, printed_at_ms, seq)
    VALUES (?, ?, ?, 'pending', 0, NULL, ?, NULL, (SELECT COALESCE(MAX(seq), 0) + 1 FROM print_jobs))
    ON CONFLICT(id) DO NOTHING`,
  get: 'SELECT * FROM print_jobs WHERE id = ?',
  pending: "SELECT * FROM print_jobs WHERE state = 'pending' ORDER BY seq",
  recordFailure: "UPDATE print_jobs SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'",
  markPrinted: "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL, printed_at_ms = ? WHERE id = ? AND state = 'pending'",
} as const;

export class PrintJobStoreError extends Error {
  override readonly name = 'PrintJobStoreError';
}

interface PrintJobRow {
  id: string;
  description: string;
  bytes: Buffer;
  state: PrintJobState;
  attempts: number;
  last_error: string | null;
  created_at_ms: number;
  printed_at_ms: number | null;
}

function toRecord(row: PrintJobRow): StoredPrintJobRecord {
  return {
    id: row.id,
    description: row.description,
    bytes: new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength).slice(),
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAtMs: row.created_at_ms,
    printedAtMs: row.printed_at_ms,
  };
}

export class SqlitePrintJobStore {
  /** Uses DB (a connection to a journal migrated with migration 2); the caller owns and closes it. */
  private readonly statements: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'print_jobs'").get();
    if (table === undefined) throw new PrintJobStoreError('the journal has no print_jobs table; open it with Journal.open first so migration 2 (print jobs) is applied');
  }

  /**
   * Opens its own connection to the journal FILE (already migrated by `Journal.open`), with the
   * journal's durability settings. Close it with `close()`.
   */
  static open(file: string): SqlitePrintJobStore {
    const db = openJournalConnection(file, (message) => new PrintJobStoreError(message));
    try {
      return new SqlitePrintJobStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  add(job: NewPrintJobRecord, atMs: number): boolean {
    return this.statements.get(printJobQueries.add).run(job.id, job.description, Buffer.from(job.bytes), atMs).changes === 1;
  }

  get(id: string): StoredPrintJobRecord | undefined {
    const row = this.statements.get(printJobQueries.get).get(id) as PrintJobRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  pending(): StoredPrintJobRecord[] {
    return (this.statements.get(printJobQueries.pending).all() as PrintJobRow[]).map(toRecord);
  }

  recordFailure(id: string, reason: string, _atMs: number): void {
    this.statements.get(printJobQueries.recordFailure).run(reason, id);
  }

  markPrinted(id: string, atMs: number): void {
    this.statements.get(printJobQueries.markPrinted).run(atMs, id);
  }
}
