import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEmvMpm } from '../../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { errorBodySchema, eventsResponseSchema, paymentResponseSchema, refundResponseSchema, sandboxWalletCodeResponseSchema, sandboxWalletPayResponseSchema } from '../../../sync/protocol/backend-api.js';
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

const paymentId = '3f2b8c1e-9a4d-4e6f-8b21-0c5d7e9f1a23';

async function createQr(id = paymentId, amountMinor = 1250) {
  const response = await client.request('POST', '/v1/payments/merchant-presented', { paymentId: id, orderId: 'order-0001', amountMinor, currency: 'CNY', expiresInMs: 120_000 });
  return { status: response.status, payment: paymentResponseSchema.parse(response.json).payment };
}

async function walletPays(qrContent: string, behaviour?: 'pay' | 'decline') {
  const response = await fixture.postSandbox('/sandbox/wallet/pay', { qrContent, ...(behaviour ? { behaviour } : {}) });
  expect(response.status).toBe(200);
  return sandboxWalletPayResponseSchema.parse(response.json);
}

async function customerCode(body: Record<string, unknown> = {}) {
  const response = await fixture.postSandbox('/sandbox/wallet/codes', body);
  expect(response.status).toBe(201);
  return sandboxWalletCodeResponseSchema.parse(response.json);
}

async function payWithCode(code: string, id: string, amountMinor = 500) {
  const response = await client.request('POST', '/v1/payments/customer-presented', { paymentId: id, amountMinor, currency: 'CNY', code });
  return { status: response.status, json: response.json, payment: response.status < 300 ? paymentResponseSchema.parse(response.json).payment : undefined };
}

async function getPayment(id: string) {
  return paymentResponseSchema.parse((await client.request('GET', `/v1/payments/${id}`)).json).payment;
}

describe('merchant-presented payments with the sandbox wallet', () => {
  it('issues a dynamic EMV payload with amount, bill number, terminal label and the Chinese name', async () => {
    const { status, payment } = await createQr();
    expect(status).toBe(201);
    expect(payment).toMatchObject({ status: 'pending', provider: 'sandbox', amountMinor: 1250, expiresAtMs: fixture.clock.nowMs() + 120_000 });
    const decoded = decodeEmvMpm(payment.qrContent ?? '');
    expect(decoded.valid).toBe(true);
    expect(decoded).toMatchObject({ pointOfInitiation: '12', currency: '156', amount: '12.50', country: 'CN', mcc: '5812' });
    expect(decoded.additionalData).toMatchObject({ billNumber: Buffer.from(paymentId.replace(/-/g, ''), 'hex').toString('base64url'), terminalLabel: 'Counter 1' });
    expect(decoded.alternateLanguage).toMatchObject({ languagePreference: 'ZH', merchantName: '沙盒测试商户' });
    expect(decoded.merchantAccounts[0]).toMatchObject({ id: '26', globallyUniqueId: 'com.merchantterminal.sandbox' });
  });

  it('is idempotent by payment id: a replay returns the same QR; different content is a conflict', async () => {
    const first = await createQr();
    const replay = await createQr();
    expect(replay.status).toBe(200);
    expect(replay.payment.qrContent).toBe(first.payment.qrContent);
    const conflict = await client.request('POST', '/v1/payments/merchant-presented', { paymentId, orderId: 'order-0001', amountMinor: 1300, currency: 'CNY', expiresInMs: 120_000 });
    expect(conflict.status).toBe(409);
    expect(errorBodySchema.parse(conflict.json).error.code).toBe('idempotency-conflict');
  });

  it('pushes the payment on the long-poll when the customer pays', async () => {
    const { payment } = await createQr();
    const start = eventsResponseSchema.parse((await client.request('GET', '/v1/events?after=0')).json);
    const waiting = client.request('GET', `/v1/events?after=${start.nextAfter}&waitMs=10000`);
    const paid = await walletPays(payment.qrContent ?? '');
    expect(paid).toMatchObject({ outcome: 'paid', paymentId, amountMinor: 1250 });
    const pushed = eventsResponseSchema.parse((await waiting).json);
    expect(pushed.events).toEqual([expect.objectContaining({ type: 'payment.updated', payment: expect.objectContaining({ paymentId, status: 'paid' }) })]);
    expect(await walletPays(payment.qrContent ?? '')).toMatchObject({ outcome: 'already-paid' });
    expect((await getPayment(paymentId)).status).toBe('paid');
  });

  it('a wallet decline leaves the payment pending; after expiry a query closes it and the wallet can no longer pay', async () => {
    const { payment } = await createQr();
    expect(await walletPays(payment.qrContent ?? '', 'decline')).toMatchObject({ outcome: 'declined' });
    expect((await getPayment(paymentId)).status).toBe('pending');
    fixture.clock.jumpWallClock(120_000);
    expect((await getPayment(paymentId)).status).toBe('closed');
    expect(await walletPays(payment.qrContent ?? '')).toMatchObject({ outcome: 'closed' });
  });

  it('cancel closes an unpaid QR and is idempotent', async () => {
    await createQr();
    const cancelled = paymentResponseSchema.parse((await client.request('POST', `/v1/payments/${paymentId}/cancel`, {})).json).payment;
    expect(cancelled.status).toBe('closed');
    const again = paymentResponseSchema.parse((await client.request('POST', `/v1/payments/${paymentId}/cancel`, { reason: 'again' })).json).payment;
    expect(again.status).toBe('closed');
  });

  it('another terminal cannot see or reuse the payment id', async () => {
    await createQr();
    const other = await fixture.enrollTerminal('Counter 2');
    expect((await other.request('GET', `/v1/payments/${paymentId}`)).status).toBe(404);
    const reuse = await other.request('POST', '/v1/payments/merchant-presented', { paymentId, orderId: 'order-0001', amountMinor: 1250, currency: 'CNY', expiresInMs: 120_000 });
    expect(errorBodySchema.parse(reuse.json).error.code).toBe('idempotency-conflict');
  });

  it('rejects a QR that is not the sandbox wallet\'s', async () => {
    const response = await fixture.postSandbox('/sandbox/wallet/pay', { qrContent: 'https://qr.alipay.com/bax00000' });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(response.json).error.code).toBe('bad-request');
  });
});

describe('customer-presented payments with sandbox codes', () => {
  it('pays at once and debits the balance; a replay never charges again', async () => {
    const wallet = await customerCode({ balanceMinor: 1000 });
    expect(wallet.code).toMatch(/^28\d{16}$/);
    const first = await payWithCode(wallet.code, 'cp-pay-0001', 600);
    expect(first).toMatchObject({ status: 201, payment: { status: 'paid', flow: 'customer-presented' } });
    const replay = await payWithCode(wallet.code, 'cp-pay-0001', 600);
    expect(replay).toMatchObject({ status: 200, payment: { status: 'paid' } });
    expect(fixture.backend.sandbox?.codeBalanceMinor(wallet.code)).toBe(400);
    const broke = await payWithCode(wallet.code, 'cp-pay-0002', 600);
    expect(broke.payment).toMatchObject({ status: 'failed', failureCode: 'sandbox.insufficient-balance' });
  });

  it('declines', async () => {
    const wallet = await customerCode({ behaviour: 'decline' });
    expect((await payWithCode(wallet.code, 'cp-decline-1')).payment).toMatchObject({ status: 'failed', failureCode: 'sandbox.declined' });
  });

  it('user-paying becomes paid once the customer confirms (on the injected clock)', async () => {
    const wallet = await customerCode({ behaviour: 'user-paying', userPayingMs: 10_000 });
    expect((await payWithCode(wallet.code, 'cp-userpaying-1')).payment?.status).toBe('user-paying');
    fixture.clock.jumpWallClock(5_000);
    expect((await getPayment('cp-userpaying-1')).status).toBe('user-paying');
    fixture.clock.jumpWallClock(5_000);
    expect((await getPayment('cp-userpaying-1')).status).toBe('paid');
  });

  it('user-paying-forever is reversed by cancel, and then the customer cannot complete it', async () => {
    const wallet = await customerCode({ behaviour: 'user-paying-forever', balanceMinor: 800 });
    expect((await payWithCode(wallet.code, 'cp-forever-1')).payment?.status).toBe('user-paying');
    fixture.clock.jumpWallClock(30_000);
    expect((await getPayment('cp-forever-1')).status).toBe('user-paying');
    const cancelled = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/cp-forever-1/cancel', {})).json).payment;
    expect(cancelled.status).toBe('closed');
    expect(fixture.backend.sandbox?.codeBalanceMinor(wallet.code)).toBe(800);
  });

  it('an unknown outcome is resolved by query (the money was taken), never by paying again', async () => {
    const wallet = await customerCode({ behaviour: 'unknown', balanceMinor: 1000 });
    const first = await payWithCode(wallet.code, 'cp-unknown-1', 300);
    expect(first.payment?.status).toBe('unknown');
    const replay = await payWithCode(wallet.code, 'cp-unknown-1', 300);
    expect(replay.payment?.status).toBe('paid');
    expect(fixture.backend.sandbox?.codeBalanceMinor(wallet.code)).toBe(700);
  });

  it('reversing a paid customer-presented payment returns the money', async () => {
    const wallet = await customerCode({ balanceMinor: 1000 });
    await payWithCode(wallet.code, 'cp-reverse-1', 250);
    const reversed = paymentResponseSchema.parse((await client.request('POST', '/v1/payments/cp-reverse-1/cancel', {})).json).payment;
    expect(reversed.status).toBe('reversed');
    expect(fixture.backend.sandbox?.codeBalanceMinor(wallet.code)).toBe(1000);
  });

  it('an unknown code fails definitely', async () => {
    expect((await payWithCode('280000000000000000', 'cp-nocode-1')).payment).toMatchObject({ status: 'failed', failureCode: 'sandbox.code-invalid' });
  });
});

describe('refunds', () => {
  async function paidPayment(amountMinor = 1000) {
    const wallet = await customerCode({ balanceMinor: 10_000 });
    await payWithCode(wallet.code, 'refund-pay-1', amountMinor);
    return wallet;
  }

  async function refund(refundId: string, amountMinor: number, reason?: string) {
    const response = await client.request('POST', '/v1/payments/refund-pay-1/refunds', { refundId, amountMinor, currency: 'CNY', ...(reason ? { reason } : {}) });
    return { status: response.status, json: response.json };
  }

  it('partial refunds never exceed paid minus refunded', async () => {
    const wallet = await paidPayment(1000);
    const first = await refund('refund-0001', 400);
    expect(first.status).toBe(201);
    expect(refundResponseSchema.parse(first.json)).toMatchObject({ refund: { status: 'refunded', amountMinor: 400 }, payment: { refundedMinor: 400 } });
    const second = await refund('refund-0002', 600);
    expect(refundResponseSchema.parse(second.json).payment.refundedMinor).toBe(1000);
    const third = await refund('refund-0003', 1);
    expect(third.status).toBe(422);
    expect(errorBodySchema.parse(third.json).error).toMatchObject({ code: 'refund-exceeds-paid', retryable: false });
    expect(fixture.backend.sandbox?.codeBalanceMinor(wallet.code)).toBe(10_000);
  });

  it('a refund larger than what is left is refused before the provider is asked', async () => {
    await paidPayment(1000);
    await refund('refund-0001', 700);
    const over = await refund('refund-0002', 301);
    expect(errorBodySchema.parse(over.json).error.message).toContain('at most 300 left');
  });

  it('is idempotent by refund id; the same id with different content is a conflict', async () => {
    await paidPayment(1000);
    const first = refundResponseSchema.parse((await refund('refund-0001', 400, 'cold soup')).json);
    const replay = await refund('refund-0001', 400, 'cold soup');
    expect(replay.status).toBe(200);
    expect(refundResponseSchema.parse(replay.json).refund).toEqual(first.refund);
    expect(refundResponseSchema.parse(replay.json).payment.refundedMinor).toBe(400);
    const conflict = await refund('refund-0001', 500, 'cold soup');
    expect(conflict.status).toBe(409);
    expect(errorBodySchema.parse(conflict.json).error.code).toBe('idempotency-conflict');
    const fetched = await client.request('GET', '/v1/payments/refund-pay-1/refunds/refund-0001');
    expect(refundResponseSchema.parse(fetched.json).refund.status).toBe('refunded');
  });

  it('refuses to refund an unpaid payment', async () => {
    await createQr('unpaid-qr-0001', 500);
    const response = await client.request('POST', '/v1/payments/unpaid-qr-0001/refunds', { refundId: 'refund-0009', amountMinor: 100, currency: 'CNY' });
    expect(errorBodySchema.parse(response.json).error.code).toBe('invalid-state');
  });

  it('concurrent refunds cannot together exceed the payment', async () => {
    await paidPayment(1000);
    const results = await Promise.all(['refund-c001', 'refund-c002', 'refund-c003'].map((id) => refund(id, 400)));
    expect(results.map((result) => result.status).sort()).toEqual([201, 201, 422]);
  });
});
