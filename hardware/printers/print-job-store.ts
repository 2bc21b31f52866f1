/**
 * Durable storage of print jobs, so a receipt that could not print is never lost and never
 * printed twice. Implementations: `MemoryPrintJobStore` (tests, demo) and the SQLite store in
 * sync/store/print-job-store.ts (structurally compatible; the composition root wires it).
 *
 * Contract: methods are synchronous and durable when they return. `add` with an id already
 * stored changes nothing and returns false (enqueueing is idempotent). A job is `pending` until
 * `markPrinted`, which the print queue calls only after proof of print.
 */
import type { PrintJobState } from '../../main/domain/print-job-states.js';

export interface NewPrintJob {
  readonly id: string;
  /** What it is, for logs and the technician screen, e.g. `receipt T1-000042`. */
  readonly description: string;
  readonly bytes: Uint8Array;
}

export interface StoredPrintJob extends NewPrintJob {
  readonly state: PrintJobState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly printedAtMs: number | null;
}

export interface PrintJobStore {
  add(job: NewPrintJob, atMs: number): boolean;
  get(id: string): StoredPrintJob | undefined;
  /** Pending jobs, oldest first. */
  pending(): StoredPrintJob[];
  /** Counts an attempt that did not end in proof of print. */
  recordFailure(id: string, reason: string, atMs: number): void;
  markPrinted(id: string, atMs: number): void;
}
