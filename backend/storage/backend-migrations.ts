/**
 * Versioned schema of the reference backend's own SQLite file (not the terminal journal).
 * `PRAGMA user_version` holds the applied version. Append new migrations; never edit a released one.
 * Each table belongs to one module, named in its comment; only that module writes it.
 */

export interface BackendMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const backendMigrations: readonly BackendMigration[] = [
  {
    version: 1,
    description: 'terminals, enrollment, nonces, payments, refunds, events, journal, offline payments, distribution, settlements, sandbox wallet',
    sql: `
      -- terminal-registry.ts
      CREATE TABLE terminals (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret TEXT NOT NULL,
        enrolled_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER
      ) STRICT;
      CREATE TABLE enrollment_codes (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        used_at_ms INTEGER,
        terminal_id TEXT REFERENCES terminals(id)
      ) STRICT;
      CREATE TABLE nonces (
        terminal_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        PRIMARY KEY (terminal_id, nonce)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX nonces_by_expiry ON nonces (expires_at_ms);

      -- payment-service.ts
      CREATE TABLE payments (
        payment_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL REFERENCES terminals(id),
        flow TEXT NOT NULL CHECK (flow IN ('merchant-presented', 'customer-presented')),
        provider TEXT NOT NULL,
        order_id TEXT,
        amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
        currency TEXT NOT NULL CHECK (currency = 'CNY'),
        description TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'user-paying', 'paid', 'failed', 'closed', 'reversed', 'unknown')),
        qr_content TEXT,
        expires_at_ms INTEGER,
        provider_trade_id TEXT,
        failure_code TEXT,
        failure_message TEXT,
        paid_at_ms INTEGER,
        refunded_minor INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
        request_hash TEXT NOT NULL,
        settled_batch_id TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX payments_by_terminal ON payments (terminal_id, created_at_ms);
      CREATE TABLE refunds (
        refund_id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL REFERENCES payments(payment_id),
        terminal_id TEXT NOT NULL REFERENCES terminals(id),
        amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
        currency TEXT NOT NULL CHECK (currency = 'CNY'),
        status TEXT NOT NULL CHECK (status IN ('refunded', 'failed', 'unknown')),
        reason TEXT,
        failure_code TEXT,
        failure_message TEXT,
        request_hash TEXT NOT NULL,
        settled_batch_id TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX refunds_by_payment ON refunds (payment_id);

      -- event-feed.ts
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        terminal_id TEXT NOT NULL,
        type TEXT NOT NULL,
        body_json TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX events_by_terminal ON events (terminal_id, seq);

      -- journal-ingest.ts
      CREATE TABLE journal_entries (
        terminal_id TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        terminal_seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        received_seq INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        result_json TEXT NOT NULL,
        PRIMARY KEY (terminal_id, entry_id)
      ) STRICT;
      CREATE TABLE journal_intents (
        intent_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        method TEXT NOT NULL,
        order_id TEXT,
        parent_intent_id TEXT,
        amount_minor INTEGER NOT NULL,
        state TEXT NOT NULL,
        is_final INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        settled_batch_id TEXT
      ) STRICT;
      CREATE TABLE offline_payments (
        payment_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        code_id TEXT,
        payer_id TEXT,
        amount_minor INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('settled', 'rejected')),
        rejection TEXT,
        first_spent_by_payment_id TEXT,
        accepted_at_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        settled_batch_id TEXT
      ) STRICT;
      CREATE TABLE offline_code_spends (
        code_id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        spent_at_ms INTEGER NOT NULL
      ) STRICT;

      -- distribution-store.ts
      CREATE TABLE distribution (
        kind TEXT NOT NULL CHECK (kind IN ('catalog', 'planogram', 'settings')),
        version INTEGER NOT NULL,
        document_json TEXT NOT NULL,
        published_at_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, version)
      ) STRICT;

      -- settlement-reconciler.ts
      CREATE TABLE settlements (
        batch_id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        response_json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      -- providers/sandbox-wallet-provider.ts
      CREATE TABLE sandbox_codes (
        code TEXT PRIMARY KEY,
        payer_id TEXT NOT NULL,
        balance_minor INTEGER NOT NULL CHECK (balance_minor >= 0),
        behaviour TEXT NOT NULL,
        user_paying_ms INTEGER NOT NULL,
        delay_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE sandbox_trades (
        payment_id TEXT PRIMARY KEY,
        flow TEXT NOT NULL,
        bill_number TEXT NOT NULL UNIQUE,
        amount_minor INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'user-paying', 'paid', 'closed')),
        code TEXT,
        payer_id TEXT,
        qr_content TEXT,
        expires_at_ms INTEGER,
        completes_at_ms INTEGER,
        paid_at_ms INTEGER,
        reversed INTEGER NOT NULL DEFAULT 0,
        refunded_minor INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE sandbox_refunds (
        refund_id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        refunded_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'index for the per-batch arrival sequence of journal uploads',
    sql: `
      -- journal-ingest.ts reads MAX(received_seq) of the uploading terminal once per batch; the
      -- primary key (terminal_id, entry_id) made that a walk over all of the terminal's entries.
      CREATE INDEX journal_entries_by_arrival ON journal_entries (terminal_id, received_seq);
    `,
  },
];

export const latestBackendVersion = backendMigrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
