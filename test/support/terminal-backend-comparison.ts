/**
 * Compares a terminal's journal with the backend's database after a test run, and lists every
 * disagreement: an order or intent the backend lacks or holds differently (lost or stale), money
 * the backend took that the terminal does not know as paid (or the reverse), a wallet payment
 * left open at the backend, or outbox entries delivered a different number of times than written.
 */
import Database from 'better-sqlite3';
import type { Journal } from '../../sync/store/journal.js';

export interface Comparison {
  readonly problems: string[];
  readonly terminalOrders: number;
  readonly paidWalletPayments: number;
}

interface Row {
  [key: string]: unknown;
}

export function compareTerminalAndBackend(journal: Journal, backendDb: Database.Database, terminalId: string): Comparison {
  const terminalDb = new Database(journal.file, { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const orders = terminalDb.prepare('SELECT id, total_minor FROM orders').all() as { id: string; total_minor: number }[];
    const intents = terminalDb.prepare('SELECT id, kind, method, amount_minor, state, is_final FROM intents').all() as { id: string; kind: string; method: string; amount_minor: number; state: string; is_final: number }[];
    const outbox = terminalDb.prepare('SELECT entry_id, acked_at_ms FROM outbox').all() as { entry_id: string; acked_at_ms: number | null }[];

    const entries = backendDb.prepare('SELECT entry_id, kind, payload_json FROM journal_entries WHERE terminal_id = ?').all(terminalId) as { entry_id: string; kind: string; payload_json: string }[];
    const entryIds = new Set(entries.map((entry) => entry.entry_id));
    for (const entry of outbox) {
      if (entry.acked_at_ms === null) problems.push(`outbox entry ${entry.entry_id} never acknowledged`);
      if (!entryIds.has(entry.entry_id)) problems.push(`outbox entry ${entry.entry_id} missing at the backend`);
    }
    if (entries.length !== outbox.length) problems.push(`backend holds ${entries.length} journal entries, the terminal wrote ${outbox.length}`);

    const backendOrders = new Map<string, number>();
    for (const entry of entries.filter((candidate) => candidate.kind === 'order.recorded')) {
      const payload = JSON.parse(entry.payload_json) as { id: string; totalMinor: number };
      if (backendOrders.has(payload.id)) problems.push(`order ${payload.id} recorded twice at the backend`);
      backendOrders.set(payload.id, payload.totalMinor);
    }
    for (const order of orders) {
      if (backendOrders.get(order.id) !== order.total_minor) problems.push(`order ${order.id} (${order.total_minor}) is ${backendOrders.get(order.id) ?? 'missing'} at the backend`);
    }
    if (backendOrders.size !== orders.length) problems.push(`backend has ${backendOrders.size} orders, terminal ${orders.length}`);

    const backendIntents = new Map((backendDb.prepare('SELECT intent_id, amount_minor, state, is_final FROM journal_intents WHERE terminal_id = ?').all(terminalId) as Row[]).map((row) => [String(row.intent_id), row]));
    for (const intent of intents) {
      const mirrored = backendIntents.get(intent.id);
      if (!mirrored) problems.push(`intent ${intent.id} (${intent.state}) missing at the backend`);
      else if (mirrored.state !== intent.state || mirrored.amount_minor !== intent.amount_minor) problems.push(`intent ${intent.id}: terminal ${intent.state}/${intent.amount_minor}, backend ${String(mirrored.state)}/${String(mirrored.amount_minor)}`);
      if (intent.is_final !== 1) problems.push(`intent ${intent.id} still open on the terminal (${intent.state})`);
    }

    const payments = backendDb.prepare('SELECT payment_id, amount_minor, status FROM payments WHERE terminal_id = ?').all(terminalId) as { payment_id: string; amount_minor: number; status: string }[];
    const terminalById = new Map(intents.map((intent) => [intent.id, intent]));
    let paidWalletPayments = 0;
    for (const payment of payments) {
      const intent = terminalById.get(payment.payment_id);
      if (!intent) {
        problems.push(`backend payment ${payment.payment_id} (${payment.status}) unknown to the terminal`);
        continue;
      }
      if (payment.amount_minor !== intent.amount_minor) problems.push(`payment ${payment.payment_id}: amount ${payment.amount_minor} at the backend, ${intent.amount_minor} on the terminal`);
      const tookMoney = payment.status === 'paid';
      const terminalPaid = intent.state === 'paid';
      if (tookMoney !== terminalPaid) problems.push(`payment ${payment.payment_id}: backend ${payment.status}, terminal ${intent.state}`);
      if (payment.status === 'reversed' && intent.state !== 'refunded') problems.push(`payment ${payment.payment_id}: reversed with money returned at the backend, terminal ${intent.state}`);
      if (['pending', 'user-paying', 'unknown'].includes(payment.status)) problems.push(`payment ${payment.payment_id} left ${payment.status} at the backend (terminal ${intent.state})`);
      if (tookMoney) paidWalletPayments += 1;
    }
    for (const intent of intents.filter((candidate) => candidate.kind === 'payment' && (candidate.method === 'qr' || candidate.method === 'code') && candidate.state === 'paid')) {
      if (!payments.some((payment) => payment.payment_id === intent.id)) problems.push(`terminal payment ${intent.id} paid but unknown to the backend`);
    }
    return { problems, terminalOrders: orders.length, paidWalletPayments };
  } finally {
    terminalDb.close();
  }
}
