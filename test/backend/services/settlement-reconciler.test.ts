import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorBodySchema, paymentResponseSchema, type SettlementBatchRequest, settlementResponseSchema } from '../../../sync/protocol/backend-api.js';
import { totalsConsistent } from '../../../backend/services/settlement-reconciler.js';
import { issueOfflineCode } from '../../../sync/protocol/offline-code.js';
import { type BackendFixture, startBackendFixture, type TerminalClient } from '../backend-harness.js';

let fixture: BackendFixture;
let client: TerminalClient;
beforeEach(async () => {
  fixture = await startBackendFixture();
  client = await fixture.enrollTerminal('Counter 1');
});
afterEach(async () => {
  await fixture.close();
});

async function codePayment(paymentId: string, amountMinor: number) {
  const wallet = (await fixture.postSandbox('/sandbox/wallet/codes', { balanceMinor: 100_000 })).json as { code: string };
  const response = await client.request('POST', '/v1/payments/customer-presented', { paymentId, amountMinor, currency: 'CNY', code: wallet.code });
  expect(paymentResponseSchema.parse(response.json).payment.status).toBe('paid');
}

function offlineEntry(entryId: string, seq: number, paymentId: string, amountMinor: number, code: string) {
  return { entryId, seq, kind: 'intent.created', createdAtMs: fixture.clock.nowMs(), payload: { id: paymentId, kind: 'payment', method: 'offline-code', amountMinor, state: 'accepted-offline', isFinal: false, detail: { offlineCode: code } } };
}

function batch(transactions: SettlementBatchRequest['transactions'], batchId = 'batch-2026-11-25'): SettlementBatchRequest {
  return {
    batchId,
    businessDay: '2026-11-25',
    openedAtMs: fixture.clock.nowMs() - 3_600_000,
    closedAtMs: fixture.clock.nowMs() + 1,
    totals: [],
    refunds: { count: 0, amountMinor: 0 },
    voids: { count: 0, amountMinor: 0 },
    offlinePayments: { count: 0, amountMinor: 0 },
    transactions,
  };
}

describe('settlement reconciliation', () => {
  it('classifies matched, amount mismatch, missing on terminal, missing on backend and rejected offline payments', async () => {
    await codePayment('pay-matched-01', 1000);
    await codePayment('pay-mismatch-1', 2000);
    await codePayment('pay-unknown-1', 3000);
    const refund = await client.request('POST', '/v1/payments/pay-matched-01/refunds', { refundId: 'refund-match-1', amountMinor: 400, currency: 'CNY' });
    expect(refund.status).toBe(201);
    const key = fixture.backend.walletKey;
    const code = issueOfflineCode({ privateKey: key?.privateKeyPem ?? '', keyId: key?.keyId ?? '', payerId: 'payer-9', amountLimitMinor: 10_000, issuedAtMs: fixture.clock.nowMs(), expiresAtMs: fixture.clock.nowMs() + 60_000 });
    const other = await fixture.enrollTerminal('Counter 2');
    await other.request('POST', '/v1/journal/batches', { entries: [offlineEntry('e-first-spend', 1, 'off-first-01', 500, code)] });
    await client.request('POST', '/v1/journal/batches', {
      entries: [
        offlineEntry('e-second-spend', 1, 'off-second-1', 500, code),
        { entryId: 'e-cash-created', seq: 2, kind: 'intent.created', createdAtMs: fixture.clock.nowMs(), payload: { id: 'cash-0001', kind: 'payment', method: 'cash', amountMinor: 700, state: 'paid', isFinal: true } },
      ],
    });

    const response = await client.request('POST', '/v1/settlements', batch([
      { id: 'pay-matched-01', type: 'payment', tender: 'customer-presented', provider: 'sandbox', amountMinor: 1000 },
      { id: 'refund-match-1', type: 'refund', paymentId: 'pay-matched-01', tender: 'customer-presented', provider: 'sandbox', amountMinor: 400 },
      { id: 'pay-mismatch-1', type: 'payment', tender: 'customer-presented', provider: 'sandbox', amountMinor: 1999 },
      { id: 'cash-0001', type: 'payment', tender: 'cash', provider: null, amountMinor: 700 },
      { id: 'cash-0002', type: 'payment', tender: 'cash', provider: null, amountMinor: 900 },
      { id: 'off-second-1', type: 'payment', tender: 'offline-code', provider: null, amountMinor: 500 },
    ]));
    expect(response.status).toBe(200);
    const report = settlementResponseSchema.parse(response.json);
    const byId = Object.fromEntries(report.items.map((item) => [item.id, item.category]));
    expect(byId).toEqual({
      'pay-matched-01': 'matched',
      'refund-match-1': 'matched',
      'pay-mismatch-1': 'amount-mismatch',
      'cash-0001': 'matched',
      'cash-0002': 'missing-on-backend',
      'off-second-1': 'rejected',
      'pay-unknown-1': 'missing-on-terminal',
    });
    expect(report.items.find((item) => item.id === 'off-second-1')?.note).toContain('double-spend (first spent by off-first-01)');
    expect(report.summary).toEqual({ matched: 3, 'amount-mismatch': 1, 'missing-on-backend': 1, 'missing-on-terminal': 1, rejected: 1 });
    expect(report.totalsConsistent).toBe(false);
  });

  it('is idempotent by batch id, refuses different content under the same id, and does not settle a record twice', async () => {
    await codePayment('pay-once-0001', 1000);
    const transactions: SettlementBatchRequest['transactions'] = [{ id: 'pay-once-0001', type: 'payment', tender: 'customer-presented', provider: 'sandbox', amountMinor: 1000 }];
    const first = settlementResponseSchema.parse((await client.request('POST', '/v1/settlements', batch(transactions))).json);
    const replay = settlementResponseSchema.parse((await client.request('POST', '/v1/settlements', batch(transactions))).json);
    expect(replay.items).toEqual(first.items);
    const conflict = await client.request('POST', '/v1/settlements', batch([]));
    expect(errorBodySchema.parse(conflict.json).error.code).toBe('idempotency-conflict');
    const nextDay = settlementResponseSchema.parse((await client.request('POST', '/v1/settlements', batch([], 'batch-2026-11-26'))).json);
    expect(nextDay.items).toEqual([]);
  });

  it('checks the declared totals against the batch transactions', () => {
    const base = batch([
      { id: 'p1', type: 'payment', tender: 'cash', provider: null, amountMinor: 100 },
      { id: 'p2', type: 'payment', tender: 'offline-code', provider: null, amountMinor: 50 },
      { id: 'r1', type: 'refund', paymentId: 'p1', tender: 'cash', provider: null, amountMinor: 30 },
    ]);
    const declared: SettlementBatchRequest = {
      ...base,
      totals: [
        { tender: 'cash', provider: null, count: 1, amountMinor: 100 },
        { tender: 'offline-code', provider: null, count: 1, amountMinor: 50 },
      ],
      refunds: { count: 1, amountMinor: 30 },
      offlinePayments: { count: 1, amountMinor: 50 },
    };
    expect(totalsConsistent(declared)).toBe(true);
    expect(totalsConsistent({ ...declared, refunds: { count: 1, amountMinor: 31 } })).toBe(false);
    expect(totalsConsistent({ ...declared, totals: declared.totals.slice(0, 1) })).toBe(false);
  });
});
