import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { PrintJobStore } from '../../../hardware/printers/print-job-store.js';
import { Journal } from '../../../sync/store/journal.js';
import { printJobQueries, PrintJobStoreError, SqlitePrintJobStore } from '../../../sync/store/print-job-store.js';
import { describePrintJobStoreContract } from '../../hardware/printers/print-job-store-contract.js';
import { PrintQueue } from '../../../hardware/devices/print-queue.js';
import { ReceiptPrinter } from '../../../hardware/devices/receipt-printer.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { EscPosEncoder } from '../../../hardware/protocols/escpos/escpos-encoder.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';

const folders: string[] = [];
const stores: SqlitePrintJobStore[] = [];

function journalFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'print-jobs-'));
  folders.push(folder);
  const file = join(folder, 'journal.sqlite');
  Journal.open(file).close();
  return file;
}

function openStore(file = journalFile()): SqlitePrintJobStore {
  const store = SqlitePrintJobStore.open(file);
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('SqlitePrintJobStore', () => {
  // Compile-time check: the sync/ class satisfies the hardware/ interface structurally.
  const asInterface = (store: SqlitePrintJobStore): PrintJobStore => store;

  describePrintJobStoreContract(() => asInterface(openStore()));

  it('keeps pending jobs across a reopen of the journal file, in insertion order', () => {
    const file = journalFile();
    const first = openStore(file);
    first.add({ id: 'late', description: 'second', bytes: Uint8Array.of(0x1b, 0x40, 0xd6, 0xd0) }, 500);
    first.add({ id: 'early', description: 'first?', bytes: Uint8Array.of(0x0a) }, 100);
    first.markPrinted('early', 600);
    first.close();
    const again = openStore(file);
    expect(again.pending().map((job) => [job.id, [...job.bytes]])).toEqual([['late', [0x1b, 0x40, 0xd6, 0xd0]]]);
    expect(again.get('early')?.state).toBe('printed');
  });

  it('is applied by Journal.open as migration 2 in its own table', () => {
    const file = journalFile();
    const db = new Database(file, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'print%'").all() as { name: string }[]).map((row) => row.name);
      expect(tables).toEqual(['print_jobs']);
    } finally {
      db.close();
    }
  });

  it('with the PrintQueue: a receipt queued before a restart prints once after it', async () => {
    const file = journalFile();
    const profile = printerProfiles['generic-58mm'];
    const bytes = new EscPosEncoder({ chineseEncoding: 'gb18030' }).initialize().line('重启前的小票').feedLines(3).encode();
    const start = async (fault: 'none' | 'paper-out') => {
      const timer = new FakeClock();
      const link = createMemoryLink();
      const simulator = new PrinterSimulator({ profile, fault });
      await simulator.attach(link.device);
      const printer = new ReceiptPrinter({ transport: link.host, profile, timer });
      const store = openStore(file);
      return { simulator, store, queue: new PrintQueue({ printer, store, timer, retryDelayMs: 0 }) };
    };
    const before = await start('paper-out');
    expect((await before.queue.submit({ id: 'T1-000001', description: 'receipt T1-000001', bytes })).state).toBe('queued');
    before.store.close(); // the terminal stops with the job still pending

    const after = await start('none');
    expect((await after.queue.drain()).printed).toEqual(['T1-000001']);
    expect((await after.queue.drain()).printed).toEqual([]);
    expect(after.simulator.receipts.map((receipt) => receipt.lines)).toEqual([['重启前的小票']]);
    expect(after.store.get('T1-000001')).toMatchObject({ state: 'printed', attempts: 2 });
  });

  it('refuses a database without the print_jobs table', () => {
    const db = new Database(':memory:');
    try {
      expect(() => new SqlitePrintJobStore(db)).toThrow(PrintJobStoreError);
    } finally {
      db.close();
    }
  });
});

describe('SqlitePrintJobStore query plans', () => {
  /** Each statement runs per printed receipt; none may scan print_jobs, which grows with every sale. */
  const expectedIndex: Record<keyof typeof printJobQueries, string> = {
    add: 'sqlite_autoindex_print_jobs_2',
    get: 'sqlite_autoindex_print_jobs_1',
    pending: 'print_jobs_pending',
    recordFailure: 'sqlite_autoindex_print_jobs_1',
    markPrinted: 'sqlite_autoindex_print_jobs_1',
  };

  it.each(Object.entries(printJobQueries))('%s uses its index, never a table scan', (name, sql) => {
    const db = new Database(journalFile());
    try {
      const parameters = (sql.match(/\?/g) ?? []).map(() => 'x');
      const details = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
      const index = expectedIndex[name as keyof typeof printJobQueries];
      expect(details.some((detail) => new RegExp(`USING (COVERING )?INDEX ${index}\\b`).test(detail)), `${name}: ${details.join(' | ')}`).toBe(true);
      for (const detail of details) if (detail.startsWith('SCAN')) expect(detail, `${name}: ${details.join(' | ')}`).toMatch(/USING (COVERING )?INDEX print_jobs_pending\b/);
    } finally {
      db.close();
    }
  });
});
