/**
 * The money journal: one SQLite file (WAL, synchronous=FULL) holding orders, payment/refund/vend
 * intents with their full state history, and the outbox the sync client drains.
 *
 * Contract: every method that changes money or product state runs in ONE synchronous transaction
 * that also appends the outbox row announcing it; when the method returns, the change is durable
 * on disk and the caller may act on it. Nothing here awaits.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import type { OrderLine } from '../../main/domain/order.js';
import type { PaymentState } from '../../main/domain/payment-states.js';
import type { PinAttemptState } from '../../main/domain/pin-lockout.js';
import type { RefundState } from '../../main/domain/refund-states.js';
import type { VendState } from '../../main/domain/vend-states.js';
import { journalMigrations, latestJournalVersion } from './journal-migrations.js';
import { StatementCache } from './statement-cache.js';

export type JournalOpenErrorCode = 'unreadable' | 'corrupt' | 'schema-too-new' | 'migration-failed';

export class JournalOpenError extends Error {
  override readonly name = 'JournalOpenError';
  constructor(
    readonly code: JournalOpenErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** A state change that conflicts with what the journal holds (wrong `from` state, unknown id). */
export class JournalConflictError extends Error {
  override readonly name = 'JournalConflictError';
}

/** An order with this id is already recorded (`recordOrder` and friends write nothing then). */
export class OrderExistsError extends Error {
  override readonly name = 'OrderExistsError';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is already recorded`);
  }
}

/** An offline code id that was already spent on this terminal (`Journal.recordOfflineCodeOrder`). */
export class OfflineCodeSpentError extends Error {
  override readonly name = 'OfflineCodeSpentError';
  constructor(
    readonly codeId: string,
    readonly firstPaymentIntentId: string,
  ) {
    super(`offline code ${codeId} was already spent on this terminal by payment ${firstPaymentIntentId}`);
  }
}

export type IntentKind = 'payment' | 'refund' | 'vend';

/** The states an intent of KIND can be in (main/domain/payment-states, refund-states, vend-states). */
export type IntentStateOf<K extends IntentKind> = { payment: PaymentState; refund: RefundState; vend: VendState }[K];
export type IntentState = IntentStateOf<IntentKind>;

interface IntentRecordOf<K extends IntentKind> {
  readonly id: string;
  readonly kind: K;
  readonly orderId: string | null;
  readonly parentIntentId: string | null;
  readonly method: string;
  readonly amountMinor: number;
  readonly currency: 'CNY';
  readonly state: IntentStateOf<K>;
  readonly isFinal: boolean;
  readonly detail: Record<string, unknown>;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** An intent as journaled; `kind` tells which states `state` can hold. */
export type IntentRecord<K extends IntentKind = IntentKind> = K extends IntentKind ? IntentRecordOf<K> : never;

export interface OrderToRecord {
  readonly id: string;
  readonly terminalId: string;
  readonly mode: 'counter' | 'kiosk' | 'technician';
  readonly userId: string | null;
  readonly lines: readonly OrderLine[];
  readonly totalMinor: number;
  readonly currency: 'CNY';
}

interface NewIntentOf<K extends IntentKind> {
  readonly id: string;
  readonly kind: K;
  readonly orderId: string | null;
  readonly parentIntentId?: string | null | undefined;
  readonly method: string;
  readonly amountMinor: number;
  readonly state: IntentStateOf<K>;
  readonly isFinal: boolean;
  readonly detail?: Record<string, unknown> | undefined;
}

export type NewIntent<K extends IntentKind = IntentKind> = K extends IntentKind ? NewIntentOf<K> : never;

export interface IntentTransition {
  readonly from: IntentState;
  readonly to: IntentState;
  readonly isFinal: boolean;
  /** Merged into the intent's detail and recorded on the event. */
  readonly detail?: Record<string, unknown> | undefined;
}

export interface OutboxEntry {
  readonly seq: number;
  readonly entryId: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly createdAtMs: number;
  readonly attempts: number;
}

/** What `Journal.updatePinAttemptState` stores: the next state (undefined: unchanged) and audit records. */
export interface PinAttemptDecision<T> {
  readonly next: PinAttemptState | undefined;
  readonly audit?: readonly AuditRecord[] | undefined;
  readonly result: T;
}

/** An audit fact for the outbox (kind 'audit.recorded'); never holds a PIN, token or secret. */
export interface AuditRecord {
  readonly event: string;
  readonly [field: string]: string | number | boolean | null;
}

/** What the backend answered for the entries of one upload (`Journal.settleOutbox`). */
export interface OutboxSettlement {
  readonly acknowledged: readonly string[];
  readonly deadLettered: readonly { readonly entryId: string; readonly reason: string }[];
  readonly retried: readonly { readonly entryId: string; readonly error: string }[];
}

export interface OutboxStats {
  readonly depth: number;
  readonly oldestCreatedAtMs: number | null;
  readonly deadLetters: number;
}

export interface JournalOptions {
  /** Epoch milliseconds; injected so tests run on a fake clock. */
  readonly nowMs?: () => number;
  /** Identifier generator for outbox entries; defaults to random UUIDs. */
  readonly newId?: () => string;
}

interface IntentRow {
  id: string;
  kind: IntentKind;
  order_id: string | null;
  parent_intent_id: string | null;
  method: string;
  amount_minor: number;
  currency: 'CNY';
  /** Written only through the typed methods below, so it holds a state of `kind`. */
  state: IntentState;
  is_final: number;
  detail_json: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/**
 * The look-ups that run per sale, per sync batch or per status call. Each is served by an index
 * (never a scan of a table that grows with the journal); test/sync/store/journal-query-plans.test.ts
 * checks every plan with EXPLAIN QUERY PLAN.
 */
export const journalQueries = {
  intentById: 'SELECT * FROM intents WHERE id = ?',
  childIntents: 'SELECT * FROM intents WHERE parent_intent_id = ? ORDER BY created_at_ms, rowid',
  intentsOfOrder: 'SELECT * FROM intents WHERE order_id = ? ORDER BY created_at_ms, rowid',
  openIntentsInState: 'SELECT * FROM intents WHERE is_final = 0 AND state = ? ORDER BY created_at_ms, rowid',
  openIntents: 'SELECT * FROM intents WHERE is_final = 0 ORDER BY created_at_ms, id',
  intentHistory: 'SELECT from_state, to_state, at_ms FROM intent_events WHERE intent_id = ? ORDER BY seq',
  findOrder: 'SELECT o.id, o.receipt_number, o.total_minor, o.created_at_ms, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count FROM orders o WHERE o.id = ?',
  orderLines: 'SELECT product_id, name_json, quantity, unit_price_minor, line_total_minor, modifiers_json, note FROM order_lines WHERE order_id = ? ORDER BY line_no',
  // INDEXED BY: the rowid order (seq) also satisfies ORDER BY, and a planner with statistics
  // may walk the whole table past every acknowledged row; the partial index holds only pending ones.
  pendingOutbox: 'SELECT seq, entry_id, kind, payload_json, created_at_ms, attempts FROM outbox INDEXED BY outbox_pending WHERE acked_at_ms IS NULL ORDER BY seq LIMIT ?',
  pendingOutboxEntry: 'SELECT seq, kind, payload_json FROM outbox WHERE entry_id = ? AND acked_at_ms IS NULL',
  acknowledgeOutboxEntry: 'UPDATE outbox SET acked_at_ms = ? WHERE entry_id = ? AND acked_at_ms IS NULL',
  recordOutboxAttempt: 'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE entry_id = ? AND acked_at_ms IS NULL',
} as const;

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

function toIntent(row: IntentRow): IntentRecord {
  // The row's state was written for its kind (see IntentRow.state).
  return {
    id: row.id,
    kind: row.kind,
    orderId: row.order_id,
    parentIntentId: row.parent_intent_id,
    method: row.method,
    amountMinor: row.amount_minor,
    currency: row.currency,
    state: row.state,
    isFinal: row.is_final === 1,
    detail: JSON.parse(row.detail_json) as Record<string, unknown>,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  } as IntentRecord;
}

export class Journal {
  private readonly nowMs: () => number;
  private readonly newId: () => string;
  private readonly statements: StatementCache;
  /** One transaction wrapper for every write (BEGIN IMMEDIATE, or a savepoint when nested). */
  private readonly transactionRunner: Database.Transaction<(work: () => unknown) => unknown>;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    options: JournalOptions,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.statements = new StatementCache(db);
    this.transactionRunner = db.transaction((work: () => unknown) => work());
  }

  private statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** Runs WORK in one immediate transaction (joined as a savepoint when one is already open). */
  private immediate<T>(work: () => T): T {
    return this.transactionRunner.immediate(work) as T;
  }

  /**
   * Opens (creating when absent) the journal at FILE, checks its integrity and migrates it.
   * Throws `JournalOpenError` for an unreadable or corrupt file or a schema newer than this
   * build knows; in those cases the file is left exactly as it was.
   */
  static open(file: string, options: JournalOptions = {}): Journal {
    if (existsSync(file) && !statSync(file).isFile()) {
      throw new JournalOpenError('unreadable', file, `${file} is not a regular file; the terminal will not start`);
    }
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (error) {
      throw new JournalOpenError('unreadable', file, `cannot open the journal ${file}: ${(error as Error).message}`);
    }
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') {
        throw new JournalOpenError('corrupt', file, `the journal ${file} failed its integrity check (${String(check)}); the terminal will not start and has not modified the file. Restore it from a backup or move it aside to start a new journal.`);
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > latestJournalVersion) {
        throw new JournalOpenError('schema-too-new', file, `the journal ${file} has schema version ${version}, newer than this terminal understands (${latestJournalVersion}); install a newer terminal version. The file was not modified.`);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      for (const migration of journalMigrations) {
        if (migration.version <= version) continue;
        try {
          db.transaction(() => {
            db.exec(migration.sql);
            db.pragma(`user_version = ${migration.version}`);
          })();
        } catch (error) {
          throw new JournalOpenError('migration-failed', file, `migrating ${file} to schema version ${migration.version} (${migration.description}) failed: ${(error as Error).message}`);
        }
      }
    } catch (error) {
      db.close();
      if (error instanceof JournalOpenError) throw error;
      const code = sqliteCode(error);
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new JournalOpenError('corrupt', file, `${file} is not a readable SQLite journal (${(error as Error).message}); the terminal will not start and has not modified the file. Restore it from a backup or move it aside to start a new journal.`);
      }
      throw new JournalOpenError('unreadable', file, `cannot read the journal ${file}: ${(error as Error).message}`);
    }
    return new Journal(file, db, options);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** The pragmas that make the journal durable; exposed so tests and diagnostics can check them. */
  durabilitySettings(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  private appendOutbox(kind: string, payload: unknown, atMs: number): string {
    const entryId = this.newId();
    this.statement('INSERT INTO outbox (entry_id, kind, payload_json, created_at_ms) VALUES (?, ?, ?, ?)')
      .run(entryId, kind, JSON.stringify(payload), atMs);
    return entryId;
  }

  private nextCounter(name: string): number {
    const row = this.statement('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value')
      .get(name) as { value: number };
    return row.value;
  }

  private insertOrder(order: OrderToRecord, atMs: number): string {
    const receiptNumber = `${order.terminalId}-${String(this.nextCounter('receipt')).padStart(6, '0')}`;
    try {
      this.statement('INSERT INTO orders (id, receipt_number, terminal_id, mode, user_id, currency, total_minor, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(order.id, receiptNumber, order.terminalId, order.mode, order.userId, order.currency, order.totalMinor, atMs);
    } catch (error) {
      // The order id is the primary key: a second order with the same id is refused, nothing written.
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new OrderExistsError(order.id);
      throw error;
    }
    const insertLine = this.statement(
      'INSERT INTO order_lines (order_id, line_no, product_id, name_json, quantity, unit_price_minor, line_total_minor, modifiers_json, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    order.lines.forEach((line, index) => {
      insertLine.run(order.id, index + 1, line.productId, JSON.stringify(line.name), line.quantity, line.unitPriceMinor, line.lineTotalMinor, JSON.stringify(line.modifiers), line.note ?? null);
    });
    this.appendOutbox('order.recorded', { ...order, receiptNumber, createdAtMs: atMs }, atMs);
    return receiptNumber;
  }

  private insertIntent(intent: NewIntent, atMs: number): void {
    const detail = intent.detail ?? {};
    this.statement('INSERT INTO intents (id, kind, order_id, parent_intent_id, method, amount_minor, currency, state, is_final, detail_json, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(intent.id, intent.kind, intent.orderId, intent.parentIntentId ?? null, intent.method, intent.amountMinor, 'CNY', intent.state, intent.isFinal ? 1 : 0, JSON.stringify(detail), atMs, atMs);
    this.statement('INSERT INTO intent_events (intent_id, from_state, to_state, detail_json, at_ms) VALUES (?, NULL, ?, ?, ?)')
      .run(intent.id, intent.state, JSON.stringify(detail), atMs);
    this.appendOutbox('intent.created', { ...intent, parentIntentId: intent.parentIntentId ?? null, detail, currency: 'CNY', atMs }, atMs);
  }

  /** Records an order and, when given, its first intents, in one durable transaction. */
  recordOrder(order: OrderToRecord, intents: readonly NewIntent[] = []): { receiptNumber: string; createdAtMs: number } {
    const atMs = this.nowMs();
    const receiptNumber = this.immediate(() => {
      const number = this.insertOrder(order, atMs);
      for (const intent of intents) this.insertIntent(intent, atMs);
      return number;
    });
    return { receiptNumber, createdAtMs: atMs };
  }

  /**
   * Records an order paid by an offline code and marks the code id spent, in one transaction. A
   * code id already spent on this terminal (by any earlier sale, forwarded, settled or not) throws
   * `OfflineCodeSpentError` and writes nothing: the spent set is the local, permanent guard against
   * one code paying twice (docs/offline-rules.md#accepting-an-offline-code).
   */
  recordOfflineCodeOrder(order: OrderToRecord, payment: NewIntent, spent: { readonly codeId: string; readonly codeExpiresAtMs: number | null }): { receiptNumber: string; createdAtMs: number } {
    const atMs = this.nowMs();
    const receiptNumber = this.db
      .transaction(() => {
        const earlier = this.statement('SELECT payment_intent_id FROM spent_offline_codes WHERE code_id = ?').get(spent.codeId) as { payment_intent_id: string } | undefined;
        if (earlier) throw new OfflineCodeSpentError(spent.codeId, earlier.payment_intent_id);
        const number = this.insertOrder(order, atMs);
        this.insertIntent(payment, atMs);
        this.statement('INSERT INTO spent_offline_codes (code_id, payment_intent_id, accepted_at_ms, code_expires_at_ms) VALUES (?, ?, ?, ?)').run(spent.codeId, payment.id, atMs, spent.codeExpiresAtMs);
        return number;
      })
      .immediate();
    return { receiptNumber, createdAtMs: atMs };
  }

  /** The payment that spent offline code CODEID on this terminal, if any. */
  offlineCodeSpentBy(codeId: string): string | undefined {
    return (this.statement('SELECT payment_intent_id FROM spent_offline_codes WHERE code_id = ?').get(codeId) as { payment_intent_id: string } | undefined)?.payment_intent_id;
  }

  createIntent(intent: NewIntent): IntentRecord {
    const atMs = this.nowMs();
    this.immediate(() => this.insertIntent(intent, atMs));
    return this.getIntent(intent.id);
  }

  /**
   * Moves an intent from `transition.from` to `transition.to`. Throws `JournalConflictError` when
   * the intent is unknown, already final, or not in the `from` state (someone else moved it).
   */
  transitionIntent(intentId: string, transition: IntentTransition): IntentRecord {
    const atMs = this.nowMs();
    this.immediate(() => {
      const row = this.statement(journalQueries.intentById).get(intentId) as IntentRow | undefined;
      if (!row) throw new JournalConflictError(`unknown intent "${intentId}"`);
      if (row.is_final === 1) throw new JournalConflictError(`intent "${intentId}" is already final in state "${row.state}"`);
      if (row.state !== transition.from) {
        throw new JournalConflictError(`intent "${intentId}" is in state "${row.state}", not "${transition.from}"`);
      }
      const eventDetail = transition.detail ?? {};
      const detail = { ...(JSON.parse(row.detail_json) as Record<string, unknown>), ...eventDetail };
      this.statement('UPDATE intents SET state = ?, is_final = ?, detail_json = ?, updated_at_ms = ? WHERE id = ?')
        .run(transition.to, transition.isFinal ? 1 : 0, JSON.stringify(detail), atMs, intentId);
      this.statement('INSERT INTO intent_events (intent_id, from_state, to_state, detail_json, at_ms) VALUES (?, ?, ?, ?, ?)')
        .run(intentId, transition.from, transition.to, JSON.stringify(eventDetail), atMs);
      this.appendOutbox('intent.transitioned', { intentId, from: transition.from, to: transition.to, isFinal: transition.isFinal, detail: eventDetail, atMs }, atMs);
    });
    return this.getIntent(intentId);
  }

  /**
   * Runs WORK in one immediate transaction. Journal methods called inside it join it (as
   * savepoints), so several changes (a vend outcome and its refund intent, or its stock −1) are
   * durable together or not at all. WORK must be synchronous; a throw rolls everything back.
   */
  atomically<T>(work: () => T): T {
    return this.immediate(work);
  }

  /** Live stock per vending slot (migration 4); slots never seeded are absent. */
  slotStock(): Map<number, number> {
    const rows = this.statement('SELECT slot, quantity FROM slot_stock ORDER BY slot').all() as { slot: number; quantity: number }[];
    return new Map(rows.map((row) => [row.slot, row.quantity]));
  }

  /**
   * Records the configured stock of slots the journal does not know yet (first start, new slots),
   * with an outbox row; counts already held are kept (they are live). Returns the slots seeded.
   */
  seedSlotStock(slots: readonly { readonly slot: number; readonly stock: number }[]): number[] {
    const atMs = this.nowMs();
    return this.immediate(() => {
      const insert = this.statement('INSERT INTO slot_stock (slot, quantity, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT(slot) DO NOTHING');
      const seeded = slots.filter((entry) => insert.run(entry.slot, entry.stock, atMs).changes === 1);
      if (seeded.length > 0) this.appendOutbox('slot-stock.seeded', { slots: seeded.map(({ slot, stock }) => ({ slot, stock })), atMs }, atMs);
      return seeded.map((entry) => entry.slot);
    });
  }

  /**
   * Takes one item out of SLOT's stock (a dispensed vend), with an outbox row, and returns the
   * stock left; undefined (nothing written) when the slot is unknown or its count is already 0:
   * the count was wrong, and since the product did drop the caller keeps the sale and reports it.
   */
  takeFromSlotStock(slot: number, detail: Record<string, unknown> = {}): number | undefined {
    const atMs = this.nowMs();
    return this.immediate(() => {
      const row = this.statement('UPDATE slot_stock SET quantity = quantity - 1, updated_at_ms = ? WHERE slot = ? AND quantity > 0 RETURNING quantity').get(atMs, slot) as { quantity: number } | undefined;
      if (!row) return undefined;
      this.appendOutbox('slot-stock.changed', { slot, deltaQuantity: -1, quantity: row.quantity, detail, atMs }, atMs);
      return row.quantity;
    });
  }

  getIntent(intentId: string): IntentRecord {
    const row = this.statement(journalQueries.intentById).get(intentId) as IntentRow | undefined;
    if (!row) throw new JournalConflictError(`unknown intent "${intentId}"`);
    return toIntent(row);
  }

  /** The intent with this id, or undefined (unlike `getIntent`, which throws). */
  findIntent(intentId: string): IntentRecord | undefined {
    const row = this.statement(journalQueries.intentById).get(intentId) as IntentRow | undefined;
    return row && toIntent(row);
  }

  /** Intents whose parent is PARENTINTENTID (the refunds of a payment), oldest first. */
  childIntents(parentIntentId: string): IntentRecord[] {
    return (this.statement(journalQueries.childIntents).all(parentIntentId) as IntentRow[]).map(toIntent);
  }

  /** Intents of one order, oldest first. */
  intentsOfOrder(orderId: string): IntentRecord[] {
    return (this.statement(journalQueries.intentsOfOrder).all(orderId) as IntentRow[]).map(toIntent);
  }

  /**
   * Intents in STATE (any kind), oldest first. Reads the whole intents table (there is no index
   * on the state of final intents, which would cost every sale a page): for a state an intent
   * waits in, like `accepted-offline`, use `openIntentsInState`.
   */
  intentsInState(state: IntentState): IntentRecord[] {
    return (this.statement('SELECT * FROM intents WHERE state = ? ORDER BY created_at_ms, rowid').all(state) as IntentRow[]).map(toIntent);
  }

  /** Intents not yet final that are in STATE (e.g. `accepted-offline`), oldest first; indexed. */
  openIntentsInState(state: IntentState): IntentRecord[] {
    return (this.statement(journalQueries.openIntentsInState).all(state) as IntentRow[]).map(toIntent);
  }

  /** Intents not yet in a final state, oldest first: what must be resolved before selling. */
  openIntents(): IntentRecord[] {
    return (this.statement(journalQueries.openIntents).all() as IntentRow[]).map(toIntent);
  }

  intentHistory(intentId: string): { from: IntentState | null; to: IntentState; atMs: number }[] {
    return (this.statement(journalQueries.intentHistory).all(intentId) as { from_state: IntentState | null; to_state: IntentState; at_ms: number }[]).map(
      (row) => ({ from: row.from_state, to: row.to_state, atMs: row.at_ms }),
    );
  }

  countOrders(): number {
    return (this.statement('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
  }

  findOrder(orderId: string): { id: string; receiptNumber: string; totalMinor: number; lineCount: number; createdAtMs: number } | undefined {
    const row = this.statement(journalQueries.findOrder)
      .get(orderId) as { id: string; receipt_number: string; total_minor: number; created_at_ms: number; line_count: number } | undefined;
    return row && { id: row.id, receiptNumber: row.receipt_number, totalMinor: row.total_minor, lineCount: row.line_count, createdAtMs: row.created_at_ms };
  }

  /** The lines of ORDERID as recorded (catalog names and modifiers at sale time), in line order; [] for an unknown order. */
  orderLines(orderId: string): OrderLine[] {
    const rows = this.statement(journalQueries.orderLines)
      .all(orderId) as { product_id: string; name_json: string; quantity: number; unit_price_minor: number; line_total_minor: number; modifiers_json: string; note: string | null }[];
    return rows.map((row) => ({
      productId: row.product_id,
      name: JSON.parse(row.name_json) as OrderLine['name'],
      quantity: row.quantity,
      modifiers: JSON.parse(row.modifiers_json) as OrderLine['modifiers'],
      ...(row.note === null ? {} : { note: row.note }),
      unitPriceMinor: row.unit_price_minor,
      lineTotalMinor: row.line_total_minor,
    }));
  }

  /**
   * Unacknowledged outbox entries in the order they were written: at most LIMIT, and no more
   * than MAXPAYLOADCHARS characters of payload JSON in all (the first entry always, however
   * large), so a batch of big orders stays within the backend's request size.
   */
  pendingOutbox(limit: number, maxPayloadChars = Number.POSITIVE_INFINITY): OutboxEntry[] {
    return this.pendingOutboxBatch(limit, maxPayloadChars).entries;
  }

  /** `pendingOutbox`, and whether more entries were pending than the batch holds. */
  pendingOutboxBatch(limit: number, maxPayloadChars = Number.POSITIVE_INFINITY): { entries: OutboxEntry[]; more: boolean } {
    const rows = this.statement(journalQueries.pendingOutbox).all(limit + 1) as { seq: number; entry_id: string; kind: string; payload_json: string; created_at_ms: number; attempts: number }[];
    const entries: OutboxEntry[] = [];
    let payloadChars = 0;
    for (const row of rows) {
      payloadChars += row.payload_json.length;
      if (entries.length === limit || (entries.length > 0 && payloadChars > maxPayloadChars)) return { entries, more: true };
      entries.push({ seq: row.seq, entryId: row.entry_id, kind: row.kind, payload: JSON.parse(row.payload_json), createdAtMs: row.created_at_ms, attempts: row.attempts });
    }
    return { entries, more: false };
  }

  /** Marks entries the backend acknowledged. Unknown or already acknowledged ids are ignored. */
  acknowledgeOutbox(entryIds: readonly string[]): number {
    const atMs = this.nowMs();
    const statement = this.statement(journalQueries.acknowledgeOutboxEntry);
    return this.immediate(() => entryIds.reduce((count, id) => count + statement.run(atMs, id).changes, 0));
  }

  /** Counts a failed delivery attempt of ENTRYIDS and keeps the last error text (for the technician). */
  recordOutboxAttempt(entryIds: readonly string[], error: string): void {
    const statement = this.statement(journalQueries.recordOutboxAttempt);
    this.immediate(() => {
      for (const id of entryIds) statement.run(error.slice(0, 500), id);
    });
  }

  /**
   * Moves an entry the backend permanently rejected into `dead_letters` (kept with its payload and
   * the reason, never dropped) and takes it out of the pending queue, in one transaction. Returns
   * false when the entry is unknown or no longer pending.
   */
  deadLetterOutbox(entryId: string, reason: string): boolean {
    const atMs = this.nowMs();
    return this.immediate(() => {
      const row = this.statement(journalQueries.pendingOutboxEntry).get(entryId) as
        | { seq: number; kind: string; payload_json: string }
        | undefined;
      if (!row) return false;
      this.statement('INSERT INTO dead_letters (entry_id, outbox_seq, kind, payload_json, reason, rejected_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(entry_id) DO NOTHING')
        .run(entryId, row.seq, row.kind, row.payload_json, reason, atMs);
      this.statement('UPDATE outbox SET acked_at_ms = ?, last_error = ? WHERE entry_id = ?').run(atMs, `dead letter: ${reason}`.slice(0, 500), entryId);
      return true;
    });
  }

  /**
   * Applies the backend's answers for one uploaded batch in ONE transaction (one fsync, where an
   * acknowledgement per entry cost one each): ACKNOWLEDGED entries leave the queue, DEADLETTERED
   * ones move to `dead_letters` with their reason, RETRIED ones count a failed attempt and keep
   * their error. Unknown or no longer pending ids are ignored. Throws (and changes nothing) when
   * the transaction fails.
   */
  settleOutbox(outcome: OutboxSettlement): { acknowledged: number; deadLettered: number } {
    const atMs = this.nowMs();
    const acknowledge = this.statement(journalQueries.acknowledgeOutboxEntry);
    const attempt = this.statement(journalQueries.recordOutboxAttempt);
    return this.immediate(() => {
      let acknowledged = 0;
      for (const entryId of outcome.acknowledged) acknowledged += acknowledge.run(atMs, entryId).changes;
      let deadLettered = 0;
      for (const { entryId, reason } of outcome.deadLettered) if (this.deadLetterOutbox(entryId, reason)) deadLettered += 1;
      for (const { entryId, error } of outcome.retried) attempt.run(error.slice(0, 500), entryId);
      return { acknowledged, deadLettered };
    });
  }

  /** Dead letters, newest first, for the technician screen. */
  deadLetters(limit = 100): { entryId: string; outboxSeq: number; kind: string; payload: unknown; reason: string; rejectedAtMs: number }[] {
    const rows = this.statement('SELECT entry_id, outbox_seq, kind, payload_json, reason, rejected_at_ms FROM dead_letters ORDER BY rejected_at_ms DESC, outbox_seq DESC LIMIT ?').all(limit) as {
      entry_id: string;
      outbox_seq: number;
      kind: string;
      payload_json: string;
      reason: string;
      rejected_at_ms: number;
    }[];
    return rows.map((row) => ({ entryId: row.entry_id, outboxSeq: row.outbox_seq, kind: row.kind, payload: JSON.parse(row.payload_json), reason: row.reason, rejectedAtMs: row.rejected_at_ms }));
  }

  outboxStats(): OutboxStats {
    const pending = this.statement('SELECT COUNT(*) AS depth, MIN(created_at_ms) AS oldest FROM outbox WHERE acked_at_ms IS NULL').get() as { depth: number; oldest: number | null };
    const dead = this.statement('SELECT COUNT(*) AS n FROM dead_letters').get() as { n: number };
    return { depth: pending.depth, oldestCreatedAtMs: pending.oldest, deadLetters: dead.n };
  }

  /**
   * Technician: puts dead letter ENTRYID back into the pending queue (attempts restart at 0) and
   * journals AUDIT (`audit.recorded`, `{ ...audit, userId, atMs }`) in the same transaction.
   * Returns false (nothing written) when there is no such dead letter.
   */
  retryDeadLetter(entryId: string, userId: string, audit: AuditRecord): boolean {
    const atMs = this.nowMs();
    return this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM dead_letters WHERE entry_id = ?').run(entryId).changes === 0) return false;
      this.db.prepare('UPDATE outbox SET acked_at_ms = NULL, attempts = 0, last_error = ? WHERE entry_id = ?').run('retried by a technician', entryId);
      this.appendOutbox('audit.recorded', { ...audit, userId, atMs }, atMs);
      return true;
    }).immediate();
  }

  /**
   * Technician: removes dead letter ENTRYID from the dead-letter list for good and journals AUDIT
   * with it. The outbox row (payload, `last_error`) stays as it was: nothing is erased. Returns
   * false (nothing written) when there is no such dead letter.
   */
  discardDeadLetter(entryId: string, userId: string, audit: AuditRecord): boolean {
    const atMs = this.nowMs();
    return this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM dead_letters WHERE entry_id = ?').run(entryId).changes === 0) return false;
      this.appendOutbox('audit.recorded', { ...audit, userId, atMs }, atMs);
      return true;
    }).immediate();
  }

  /** Journals AUDIT (`audit.recorded`, `{ ...audit, userId, atMs }`) on its own. */
  recordAudit(userId: string, audit: AuditRecord): void {
    const atMs = this.nowMs();
    this.db.transaction(() => this.appendOutbox('audit.recorded', { ...audit, userId, atMs }, atMs)).immediate();
  }

  /**
   * Technician refill: sets each slot's live stock to its QUANTITY with one `slot-stock.changed`
   * row per slot whose count changed (`detail: { reason: 'refill', userId }`), and AUDIT, in one
   * transaction: all or nothing. Slots the journal does not know are created. Returns the counts.
   */
  refillSlotStock(refills: readonly { readonly slot: number; readonly quantity: number }[], userId: string, audit: AuditRecord): { slot: number; quantity: number; deltaQuantity: number }[] {
    const atMs = this.nowMs();
    return this.db.transaction(() => {
      const changes = refills.map(({ slot, quantity }) => {
        const before = (this.db.prepare('SELECT quantity FROM slot_stock WHERE slot = ?').get(slot) as { quantity: number } | undefined)?.quantity ?? 0;
        this.db
          .prepare('INSERT INTO slot_stock (slot, quantity, updated_at_ms) VALUES (?, ?, ?) ON CONFLICT(slot) DO UPDATE SET quantity = excluded.quantity, updated_at_ms = excluded.updated_at_ms')
          .run(slot, quantity, atMs);
        const deltaQuantity = quantity - before;
        if (deltaQuantity !== 0) this.appendOutbox('slot-stock.changed', { slot, deltaQuantity, quantity, detail: { reason: 'refill', userId }, atMs }, atMs);
        return { slot, quantity, deltaQuantity };
      });
      this.appendOutbox('audit.recorded', { ...audit, userId, atMs }, atMs);
      return changes;
    }).immediate();
  }

  /** For a diagnostics export: `PRAGMA integrity_check`, schema version and row counts. */
  integrityReport(): { integrityCheck: string[]; schemaVersion: number; durability: { journalMode: string; synchronous: number }; counts: Record<string, number>; outbox: OutboxStats } {
    const integrityCheck = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      integrityCheck,
      schemaVersion: this.schemaVersion(),
      durability: this.durabilitySettings(),
      counts: {
        orders: count('SELECT COUNT(*) AS n FROM orders'),
        intents: count('SELECT COUNT(*) AS n FROM intents'),
        openIntents: count('SELECT COUNT(*) AS n FROM intents WHERE is_final = 0'),
        outboxEntries: count('SELECT COUNT(*) AS n FROM outbox'),
        printJobsPending: count("SELECT COUNT(*) AS n FROM print_jobs WHERE state = 'pending'"),
      },
      outbox: this.outboxStats(),
    };
  }

  pinAttemptState(userId: string): PinAttemptState {
    const row = this.statement('SELECT failed_attempts, locked_until_ms FROM pin_attempts WHERE user_id = ?').get(userId) as
      | { failed_attempts: number; locked_until_ms: number }
      | undefined;
    return row ? { failedAttempts: row.failed_attempts, lockedUntilMs: row.locked_until_ms } : { failedAttempts: 0, lockedUntilMs: 0 };
  }

  /**
   * Reads USERID's PIN attempt state, lets DECIDE (synchronous, no I/O) pick the next state (or
   * undefined: unchanged) and audit records, and stores both in ONE immediate transaction, so two
   * logins never read the same count. Each audit record becomes an outbox entry of kind
   * 'audit.recorded' with payload `{ ...record, userId, atMs }`, uploaded like any other entry.
   */
  updatePinAttemptState<T>(userId: string, decide: (current: PinAttemptState) => PinAttemptDecision<T>): T {
    const atMs = this.nowMs();
    return this.db.transaction(() => {
      const decision = decide(this.pinAttemptState(userId));
      if (decision.next) this.savePinAttemptState(userId, decision.next);
      for (const record of decision.audit ?? []) this.appendOutbox('audit.recorded', { ...record, userId, atMs }, atMs);
      return decision.result;
    }).immediate();
  }

  savePinAttemptState(userId: string, state: PinAttemptState): void {
    this.statement('INSERT INTO pin_attempts (user_id, failed_attempts, locked_until_ms) VALUES (?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET failed_attempts = excluded.failed_attempts, locked_until_ms = excluded.locked_until_ms')
      .run(userId, state.failedAttempts, state.lockedUntilMs);
  }
}
