/** A journal on a temp file, a fake clock and a fake backend, wired the way the payment flows expect. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../main/logging/logger.js';
import type { FlowContext } from '../../main/payments/flow-context.js';
import { Journal, type IntentRecord } from '../../sync/store/journal.js';
import { FakeClock } from './fake-clock.js';
import { FakePaymentBackend } from './fake-payment-backend.js';

export interface PaymentHarness {
  readonly journal: Journal;
  readonly clock: FakeClock;
  readonly backend: FakePaymentBackend;
  readonly context: FlowContext;
  readonly changes: IntentRecord[];
  readonly journalFile: string;
  /** Records an order with one payment intent in `created`, as the service does. */
  newPayment(method: 'qr' | 'code', amountMinor: number, detail?: Record<string, unknown>): string;
  /** The `to` states of the intent's history, in order. */
  history(intentId: string): string[];
  close(): void;
}

export function createPaymentHarness(options: { journalFile?: string; clock?: FakeClock; backend?: FakePaymentBackend } = {}): PaymentHarness {
  const clock = options.clock ?? new FakeClock();
  const journalFile = options.journalFile ?? join(mkdtempSync(join(tmpdir(), 'payments-')), 'journal.sqlite');
  const journal = Journal.open(journalFile, { nowMs: () => clock.nowMs() });
  const backend = options.backend ?? new FakePaymentBackend();
  const changes: IntentRecord[] = [];
  const context: FlowContext = { journal, backend, clock, timers: clock, logger: createSilentLogger(), onChange: (intent) => changes.push(intent) };
  return {
    journal,
    clock,
    backend,
    context,
    changes,
    journalFile,
    newPayment(method, amountMinor, detail = {}) {
      const orderId = randomUUID();
      const id = randomUUID();
      journal.recordOrder({ id: orderId, terminalId: 'T-001', mode: 'counter', userId: null, lines: [], totalMinor: amountMinor, currency: 'CNY' }, [
        { id, kind: 'payment', orderId, method, amountMinor, state: 'created', isFinal: false, detail: { description: 'test sale', ...detail } },
      ]);
      return id;
    },
    history: (intentId) => journal.intentHistory(intentId).map((event) => event.to),
    close: () => journal.close(),
  };
}
