/**
 * The backend's contracts when a provider gives no definite answer, with a scripted provider in
 * place of Alipay: the payment is recorded before the call, a replay of a merchant-presented
 * create asks again with the same id, a replay of a customer-presented payment only queries, and
 * a provider that throws never takes the server down.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paymentResponseSchema, refundResponseSchema } from '../../../sync/protocol/backend-api.js';
import type { CustomerPresentedResult, MerchantPresentedResult, PaymentProvider, QueryResult, RefundResult } from '../../../backend/acquirers/payment-provider.js';
import { type BackendFixture, startBackendFixture, type TerminalClient } from '../backend-harness.js';

class ScriptedProvider implements PaymentProvider {
  readonly name = 'alipay' as const;
  readonly calls: string[] = [];
  createAnswers: MerchantPresentedResult[] = [];
  payAnswers: CustomerPresentedResult[] = [];
  queryAnswers: QueryResult[] = [];
  refundAnswers: RefundResult[] = [];
  throwOnQuery = false;

  private next<T>(answers: T[], method: string): T {
    this.calls.push(method);
    const answer = answers.shift();
    if (!answer) throw new Error(`no scripted answer for ${method}`);
    return answer;
  }
  async createMerchantPresented() {
    return this.next(this.createAnswers, 'create');
  }
  async payWithCustomerCode() {
    return this.next(this.payAnswers, 'pay');
  }
  async query(): Promise<QueryResult> {
    if (this.throwOnQuery) {
      this.calls.push('query');
      throw new Error('gateway exploded');
    }
    return this.next(this.queryAnswers, 'query');
  }
  async close() {
    this.calls.push('close');
    return { outcome: 'closed' as const };
  }
  async reverse() {
    this.calls.push('reverse');
    return { outcome: 'reversed' as const, action: 'close' as const };
  }
  async refund() {
    return this.next(this.refundAnswers, 'refund');
  }
}

let fixture: BackendFixture;
let client: TerminalClient;
let provider: ScriptedProvider;
beforeEach(async () => {
  provider = new ScriptedProvider();
  fixture = await startBackendFixture({ providers: [provider], sandbox: undefined });
  client = await fixture.enrollTerminal();
});
afterEach(async () => {
  await fixture.close();
});

const alipayCode = '286543210987654321';

describe('payments whose provider outcome is unknown', () => {
  it('records a merchant-presented payment as unknown, and a replay asks the provider again with the same id', async () => {
    provider.createAnswers.push({ outcome: 'unknown', message: 'read timeout' }, { outcome: 'created', qrContent: 'https://qr.alipay.com/bax01', expiresAtMs: fixture.clock.nowMs() + 60_000, providerTradeId: null });
    const body = { paymentId: 'ali-qr-000001', amountMinor: 990, currency: 'CNY', provider: 'alipay' };
    const first = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/merchant-presented', body)).json).payment;
    expect(first).toMatchObject({ status: 'unknown', qrContent: null, failureCode: 'provider.unknown' });
    const replay = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/merchant-presented', body)).json).payment;
    expect(replay).toMatchObject({ status: 'pending', qrContent: 'https://qr.alipay.com/bax01', failureCode: null });
    expect(provider.calls).toEqual(['create', 'create']);
  });

  it('never pays a customer code twice: a replay after an unknown answer only queries', async () => {
    provider.payAnswers.push({ outcome: 'unknown', message: 'connection reset' });
    provider.queryAnswers.push({ outcome: 'found', status: 'paid', providerTradeId: '2026112522001', paidAtMs: fixture.clock.nowMs(), refundedMinor: 0 });
    const body = { paymentId: 'ali-cp-000001', amountMinor: 1500, currency: 'CNY', code: alipayCode };
    const first = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/customer-presented', body)).json).payment;
    expect(first).toMatchObject({ status: 'unknown', provider: 'alipay' });
    const replay = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/customer-presented', body)).json).payment;
    expect(replay).toMatchObject({ status: 'paid', providerTradeId: '2026112522001' });
    expect(provider.calls).toEqual(['pay', 'query']);
  });

  it('keeps the recorded status, not a 500, when the provider throws during a query', async () => {
    provider.payAnswers.push({ outcome: 'user-paying', providerTradeId: null });
    await client.request('POST', '/v1/payments/customer-presented', { paymentId: 'ali-cp-000002', amountMinor: 100, currency: 'CNY', code: alipayCode });
    provider.throwOnQuery = true;
    const response = await client.request('GET', '/v1/payments/ali-cp-000002');
    expect(response.status).toBe(200);
    expect(paymentResponseSchema.parse(response.json).payment).toMatchObject({ status: 'user-paying', failureCode: 'provider.exception', failureMessage: 'gateway exploded' });
  });

  it('keeps an unknown refund reserved against the paid amount and retries it with the same refund id', async () => {
    provider.payAnswers.push({ outcome: 'paid', providerTradeId: null, paidAtMs: fixture.clock.nowMs() });
    await client.request('POST', '/v1/payments/customer-presented', { paymentId: 'ali-cp-000003', amountMinor: 1000, currency: 'CNY', code: alipayCode });
    provider.refundAnswers.push({ outcome: 'unknown', message: 'timeout' }, { outcome: 'refunded', refundedAtMs: fixture.clock.nowMs() });
    const refund = { refundId: 'ali-refund-01', amountMinor: 800, currency: 'CNY' };
    const first = refundResponseSchema.parse((await client.request('POST', '/v1/payments/ali-cp-000003/refunds', refund)).json);
    expect(first).toMatchObject({ refund: { status: 'unknown' }, payment: { refundedMinor: 0 } });
    const over = await client.request('POST', '/v1/payments/ali-cp-000003/refunds', { refundId: 'ali-refund-02', amountMinor: 300, currency: 'CNY' });
    expect(over.status).toBe(422);
    const retried = refundResponseSchema.parse((await client.request('POST', '/v1/payments/ali-cp-000003/refunds', refund)).json);
    expect(retried).toMatchObject({ refund: { status: 'refunded' }, payment: { refundedMinor: 800 } });
    expect(provider.calls).toEqual(['pay', 'refund', 'refund']);
  });
});
