/**
 * Versioned schema of the money journal. `PRAGMA user_version` holds the applied version.
 * Append new migrations; never edit a released one. docs/journal-schema.md describes the tables.
 */

export interface JournalMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const journalMigrations: readonly JournalMigration[] = [
  {
    version: 1,
    description: 'orders, intents with their state history, outbox, dead letters, counters, PIN attempts',
    sql: `
      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        receipt_number TEXT NOT NULL UNIQUE,
        terminal_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('counter', 'kiosk', 'technician')),
        user_id TEXT,
        currency TEXT NOT NULL CHECK (currency = 'CNY'),
        total_minor INTEGER NOT NULL CHECK (total_minor >= 0),
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_no INTEGER NOT NULL,
        product_id TEXT NOT NULL,
        name_json TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
        line_total_minor INTEGER NOT NULL CHECK (line_total_minor >= 0),
        modifiers_json TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (order_id, line_no)
      ) STRICT;

      CREATE TABLE intents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'vend')),
        order_id TEXT REFERENCES orders(id),
        parent_intent_id TEXT REFERENCES intents(id),
        method TEXT NOT NULL,
        amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
        currency TEXT NOT NULL CHECK (currency = 'CNY'),
        state TEXT NOT NULL,
        is_final INTEGER NOT NULL CHECK (is_final IN (0, 1)),
        detail_json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX intents_open ON intents (is_final, kind) WHERE is_final = 0;
      CREATE INDEX intents_by_order ON intents (order_id);

      CREATE TABLE intent_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        intent_id TEXT NOT NULL REFERENCES intents(id),
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail_json TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX intent_events_by_intent ON intent_events (intent_id, seq);

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        acked_at_ms INTEGER
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at_ms IS NULL;

      CREATE TABLE dead_letters (
        entry_id TEXT PRIMARY KEY,
        outbox_seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        reason TEXT NOT NULL,
        rejected_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE pin_attempts (
        user_id TEXT PRIMARY KEY,
        failed_attempts INTEGER NOT NULL,
        locked_until_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'print jobs: receipts waiting for proof of print (hardware/printers/print-job-store.ts)',
    sql: `
      CREATE TABLE print_jobs (
        id TEXT PRIMARY KEY,
        description TEXT NOT NULL,
        bytes BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'printed')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        last_error TEXT,
        created_at_ms INTEGER NOT NULL,
        printed_at_ms INTEGER,
        seq INTEGER NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX print_jobs_pending ON print_jobs (seq) WHERE state = 'pending';
    `,
  },
  {
    version: 3,
    description: 'vending device state: board sequence numbers, direct vends, slot health, MDB reader states and sessions',
    sql: `
      CREATE TABLE vend_sequences (
        machine_id TEXT PRIMARY KEY,
        last_sequence INTEGER NOT NULL CHECK (last_sequence BETWEEN 0 AND 65535)
      ) STRICT;

      CREATE TABLE vend_direct_vends (
        vend_id TEXT PRIMARY KEY,
        machine_id TEXT NOT NULL,
        slot INTEGER NOT NULL,
        sequence INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 65535),
        state TEXT NOT NULL CHECK (state IN ('vend-pending', 'dispensing', 'unknown', 'dispensed', 'not-dispensed')),
        reason TEXT,
        inspect INTEGER NOT NULL CHECK (inspect IN (0, 1)),
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX vend_direct_vends_open ON vend_direct_vends (machine_id, created_at_ms) WHERE state NOT IN ('dispensed', 'not-dispensed');

      CREATE TABLE vend_slot_health (
        machine_id TEXT NOT NULL,
        slot INTEGER NOT NULL,
        consecutive_failures INTEGER NOT NULL CHECK (consecutive_failures >= 0),
        out_of_sale INTEGER NOT NULL CHECK (out_of_sale IN (0, 1)),
        reason TEXT,
        updated_at_ms INTEGER NOT NULL,
        PRIMARY KEY (machine_id, slot)
      ) STRICT;

      CREATE TABLE vend_mdb_readers (
        adapter_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('inactive', 'disabled', 'enabled', 'idle', 'vend')),
        updated_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE vend_mdb_sessions (
        vend_id TEXT PRIMARY KEY,
        adapter_id TEXT NOT NULL,
        item INTEGER NOT NULL,
        price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
        state TEXT NOT NULL CHECK (state IN ('vend-requested', 'vmc-gave-up', 'approving', 'denied', 'dispensed', 'not-dispensed')),
        reason TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX vend_mdb_sessions_open ON vend_mdb_sessions (adapter_id, created_at_ms) WHERE state NOT IN ('denied', 'dispensed', 'not-dispensed');
    `,
  },
  {
    version: 4,
    description: 'live stock per vending slot (seeded from the planogram, −1 per dispensed vend)',
    sql: `
      CREATE TABLE slot_stock (
        slot INTEGER PRIMARY KEY CHECK (slot BETWEEN 1 AND 999),
        quantity INTEGER NOT NULL CHECK (quantity >= 0),
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    description: 'indexes for the hot intent look-ups: children of a payment (refunds, vends) and open intents by state',
    sql: `
      -- Journal.childIntents (refund and vend flows): only refunds and vends have a parent.
      CREATE INDEX intents_by_parent ON intents (parent_intent_id, created_at_ms) WHERE parent_intent_id IS NOT NULL;
      -- Journal.openIntentsInState ('accepted-offline' on every offline-code sale and payment.open).
      -- Partial: a cash sale's intent is final when written, so it costs the sale no index page.
      CREATE INDEX intents_open_by_state ON intents (state, created_at_ms) WHERE is_final = 0;
    `,
  },
  {
    version: 6,
    description: 'offline codes spent on this terminal, kept for good (docs/offline-rules.md#accepting-an-offline-code)',
    sql: `
      -- One row per offline code id ever accepted here, written in the same transaction as the sale
      -- it paid; never deleted (a code lives hours, the row costs bytes), so a code whose payment
      -- was forwarded and settled can never pay again on this terminal.
      CREATE TABLE spent_offline_codes (
        code_id TEXT PRIMARY KEY,
        payment_intent_id TEXT NOT NULL REFERENCES intents(id),
        accepted_at_ms INTEGER NOT NULL,
        code_expires_at_ms INTEGER
      ) STRICT;
      -- Codes spent before this table existed.
      INSERT OR IGNORE INTO spent_offline_codes (code_id, payment_intent_id, accepted_at_ms, code_expires_at_ms)
        SELECT json_extract(detail_json, '$.codeId'), id, created_at_ms, json_extract(detail_json, '$.codeExpiresAtMs')
        FROM intents
        WHERE kind = 'payment' AND method = 'offline-code' AND json_extract(detail_json, '$.codeId') IS NOT NULL
        ORDER BY created_at_ms;
    `,
  },
];

export const latestJournalVersion = journalMigrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
