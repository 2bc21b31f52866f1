/**
 * The durable `VendStateStore` (hardware/vending/vend-state-store.ts) on the journal's SQLite file:
 * vending devices persist sequence numbers, vend states, slot health and MDB sessions here BEFORE
 * they act, so a restart mid-vend is resolved instead of repeated.
 *
 * sync/ never imports hardware/, so the record types are restated here (their states come from
 * main/domain/vend-states.ts, like hardware's); the class matches the interface structurally and
 * test/sync/store/vend-state-store.test.ts checks it compiles against it.
 *
 * Contract: every method is synchronous; a change is committed (WAL, synchronous=FULL) when the
 * method returns. The tables (journal migration 3) are the vend_* tables only.
 */
import type Database from 'better-sqlite3';
import type { DirectVendState, MdbVendState } from '../../main/domain/vend-states.js';
import { openJournalConnection } from './journal-connection.js';
import { StatementCache } from './statement-cache.js';

type ReaderState = 'inactive' | 'disabled' | 'enabled' | 'idle' | 'vend';

export interface StoredDirectVend {
  readonly vendId: string;
  readonly machineId: string;
  readonly slot: number;
  readonly sequence: number;
  readonly state: DirectVendState;
  readonly reason: string | null;
  readonly inspect: boolean;
  readonly updatedAtMs: number;
}

export interface StoredSlotHealth {
  readonly consecutiveFailures: number;
  readonly outOfSale: boolean;
  readonly reason: string | null;
}

export interface StoredMdbVend {
  readonly vendId: string;
  readonly adapterId: string;
  readonly item: number;
  readonly priceMinor: number;
  readonly state: MdbVendState;
  readonly reason: string | null;
  readonly updatedAtMs: number;
}

export class VendStateStoreError extends Error {
  override readonly name = 'VendStateStoreError';
}

interface DirectRow {
  vend_id: string;
  machine_id: string;
  slot: number;
  sequence: number;
  state: DirectVendState;
  reason: string | null;
  inspect: number;
  updated_at_ms: number;
}

interface MdbRow {
  vend_id: string;
  adapter_id: string;
  item: number;
  price_minor: number;
  state: MdbVendState;
  reason: string | null;
  updated_at_ms: number;
}

const toDirect = (row: DirectRow): StoredDirectVend => ({
  vendId: row.vend_id,
  machineId: row.machine_id,
  slot: row.slot,
  sequence: row.sequence,
  state: row.state,
  reason: row.reason,
  inspect: row.inspect === 1,
  updatedAtMs: row.updated_at_ms,
});

const toMdb = (row: MdbRow): StoredMdbVend => ({
  vendId: row.vend_id,
  adapterId: row.adapter_id,
  item: row.item,
  priceMinor: row.price_minor,
  state: row.state,
  reason: row.reason,
  updatedAtMs: row.updated_at_ms,
});

export class SqliteVendStateStore {
  /** Uses DB (a connection to a journal migrated to version ≥ 3); the caller owns and closes it. */
  private readonly statements: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 3) throw new VendStateStoreError(`the journal has schema version ${version}; open it with Journal.open first so migration 3 (vending state) is applied`);
  }

  /**
   * Opens its own connection to the journal FILE (already migrated by `Journal.open`), with the
   * journal's durability settings. Close it with `close()`.
   */
  static open(file: string): SqliteVendStateStore {
    const db = openJournalConnection(file, (message) => new VendStateStoreError(message));
    try {
      return new SqliteVendStateStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }


  close(): void {
    if (this.db.open) this.db.close();
  }

  beginDirectVend(input: { vendId: string; machineId: string; slot: number; atMs: number }): StoredDirectVend {
    return this.db
      .transaction(() => {
        const existing = this.findDirectVend(input.vendId);
        if (existing) return existing;
        const last = (this.statements.get('SELECT last_sequence FROM vend_sequences WHERE machine_id = ?').get(input.machineId) as { last_sequence: number } | undefined)?.last_sequence ?? 0;
        const sequence = last >= 0xffff ? 1 : last + 1;
        this.statements.get('INSERT INTO vend_sequences (machine_id, last_sequence) VALUES (?, ?) ON CONFLICT(machine_id) DO UPDATE SET last_sequence = excluded.last_sequence').run(input.machineId, sequence);
        this.statements.get("INSERT INTO vend_direct_vends (vend_id, machine_id, slot, sequence, state, reason, inspect, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 'vend-pending', NULL, 0, ?, ?)")
          .run(input.vendId, input.machineId, input.slot, sequence, input.atMs, input.atMs);
        return { vendId: input.vendId, machineId: input.machineId, slot: input.slot, sequence, state: 'vend-pending' as const, reason: null, inspect: false, updatedAtMs: input.atMs };
      })
      .immediate();
  }

  findDirectVend(vendId: string): StoredDirectVend | undefined {
    const row = this.statements.get('SELECT * FROM vend_direct_vends WHERE vend_id = ?').get(vendId) as DirectRow | undefined;
    return row && toDirect(row);
  }

  updateDirectVend(vendId: string, change: { state: DirectVendState; reason?: string | null | undefined; inspect?: boolean | undefined; atMs: number }): StoredDirectVend {
    const result = this.statements.get('UPDATE vend_direct_vends SET state = ?, reason = CASE WHEN ? THEN ? ELSE reason END, inspect = COALESCE(?, inspect), updated_at_ms = ? WHERE vend_id = ?')
      .run(change.state, change.reason === undefined ? 0 : 1, change.reason ?? null, change.inspect === undefined ? null : change.inspect ? 1 : 0, change.atMs, vendId);
    if (result.changes === 0) throw new VendStateStoreError(`no direct vend ${vendId}`);
    return this.findDirectVend(vendId) as StoredDirectVend;
  }

  openDirectVends(machineId: string): StoredDirectVend[] {
    const rows = this.statements.get("SELECT * FROM vend_direct_vends WHERE machine_id = ? AND state NOT IN ('dispensed', 'not-dispensed') ORDER BY created_at_ms, rowid")
      .all(machineId) as DirectRow[];
    return rows.map(toDirect);
  }

  slotHealth(machineId: string, slot: number): StoredSlotHealth {
    const row = this.statements.get('SELECT consecutive_failures, out_of_sale, reason FROM vend_slot_health WHERE machine_id = ? AND slot = ?').get(machineId, slot) as
      | { consecutive_failures: number; out_of_sale: number; reason: string | null }
      | undefined;
    return row ? { consecutiveFailures: row.consecutive_failures, outOfSale: row.out_of_sale === 1, reason: row.reason } : { consecutiveFailures: 0, outOfSale: false, reason: null };
  }

  saveSlotHealth(machineId: string, slot: number, health: StoredSlotHealth, atMs: number): void {
    this.statements.get(
        'INSERT INTO vend_slot_health (machine_id, slot, consecutive_failures, out_of_sale, reason, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(machine_id, slot) DO UPDATE SET consecutive_failures = excluded.consecutive_failures, out_of_sale = excluded.out_of_sale, reason = excluded.reason, updated_at_ms = excluded.updated_at_ms',
      )
      .run(machineId, slot, health.consecutiveFailures, health.outOfSale ? 1 : 0, health.reason, atMs);
  }

  slotsOutOfSale(machineId: string): { slot: number; reason: string | null; consecutiveFailures: number }[] {
    const rows = this.statements.get('SELECT slot, reason, consecutive_failures FROM vend_slot_health WHERE machine_id = ? AND out_of_sale = 1 ORDER BY slot').all(machineId) as {
      slot: number;
      reason: string | null;
      consecutive_failures: number;
    }[];
    return rows.map((row) => ({ slot: row.slot, reason: row.reason, consecutiveFailures: row.consecutive_failures }));
  }

  mdbReaderState(adapterId: string): ReaderState {
    const row = this.statements.get('SELECT state FROM vend_mdb_readers WHERE adapter_id = ?').get(adapterId) as { state: ReaderState } | undefined;
    return row?.state ?? 'inactive';
  }

  saveMdbReaderState(adapterId: string, state: ReaderState, atMs: number): void {
    this.statements.get('INSERT INTO vend_mdb_readers (adapter_id, state, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT(adapter_id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms')
      .run(adapterId, state, atMs);
  }

  recordMdbVend(record: StoredMdbVend): void {
    try {
      this.statements.get('INSERT INTO vend_mdb_sessions (vend_id, adapter_id, item, price_minor, state, reason, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(record.vendId, record.adapterId, record.item, record.priceMinor, record.state, record.reason, record.updatedAtMs, record.updatedAtMs);
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
      if (code.startsWith('SQLITE_CONSTRAINT')) throw new VendStateStoreError(`MDB vend ${record.vendId} already recorded`);
      throw error;
    }
  }

  findMdbVend(vendId: string): StoredMdbVend | undefined {
    const row = this.statements.get('SELECT * FROM vend_mdb_sessions WHERE vend_id = ?').get(vendId) as MdbRow | undefined;
    return row && toMdb(row);
  }

  updateMdbVend(vendId: string, change: { state: MdbVendState; reason?: string | null | undefined; atMs: number }): StoredMdbVend {
    const result = this.statements.get('UPDATE vend_mdb_sessions SET state = ?, reason = CASE WHEN ? THEN ? ELSE reason END, updated_at_ms = ? WHERE vend_id = ?')
      .run(change.state, change.reason === undefined ? 0 : 1, change.reason ?? null, change.atMs, vendId);
    if (result.changes === 0) throw new VendStateStoreError(`no MDB vend ${vendId}`);
    return this.findMdbVend(vendId) as StoredMdbVend;
  }

  openMdbVends(adapterId: string): StoredMdbVend[] {
    const rows = this.statements.get("SELECT * FROM vend_mdb_sessions WHERE adapter_id = ? AND state NOT IN ('denied', 'dispensed', 'not-dispensed') ORDER BY created_at_ms, rowid")
      .all(adapterId) as MdbRow[];
    return rows.map(toMdb);
  }
}
