import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorSessions } from '../../../main/auth/operator-sessions.js';
import { defaultConfig } from '../../../main/config/load-config.js';
import type { PaymentView } from '../../../main/contract/contract.js';
import { CommandError } from '../../../main/core/command-error.js';
import { PaymentService, PaymentServiceError, type PaymentServiceDeps } from '../../../main/payments/payment-service.js';
import type { Connectivity } from '../../../sync/client/backend-health-probe.js';
import { createPaymentHarness, type PaymentHarness } from '../../support/payment-harness.js';

const harnesses: PaymentHarness[] = [];
afterEach(() => {
  for (const created of harnesses.splice(0)) created.close();
});

function setup(overrides: Partial<PaymentServiceDeps> = {}, h = createPaymentHarness()) {
  harnesses.push(h);
  let connectivity: Connectivity = 'online';
  const events: PaymentView[] = [];
  let statusChanges = 0;
  const config = defaultConfig();
  const sessions = new OperatorSessions(config.users, h.journal, h.clock, { maxAttempts: 5, lockoutMs: 300_000 });
  const service = new PaymentService({
    journal: h.journal,
    sessions,
    backend: h.backend,
    clock: h.clock,
    timers: h.clock,
    logger: h.context.logger,
    connectivity: () => connectivity,
    merchantQr: { random: () => 0.5 },
    customerCode: { random: () => 0.5 },
    refunds: { random: () => 0.5 },
    onPaymentChanged: (view) => events.push(view),
    onStatusChanged: () => (statusChanges += 1),
    ...overrides,
  });
  /** Logs USERID in (the default operators: cashier 1111, supervisor 2222, technician 3333). */
  const login = async (userId = 'cashier'): Promise<string> => (await sessions.login(userId, { cashier: '1111', supervisor: '2222', technician: '3333' }[userId] ?? '')).sessionId;
  return { h, service, events, login, statusChanges: () => statusChanges, setConnectivity: (next: Connectivity) => (connectivity = next) };
}

const order = (totalMinor: number) => ({ id: randomUUID(), terminalId: 'T-001', mode: 'counter' as const, userId: null, lines: [], totalMinor, currency: 'CNY' as const });

async function cashSale(s: ReturnType<typeof setup>, totalMinor: number, tenderedMinor = totalMinor) {
  return s.service.payCash({ sessionId: await s.login(), order: order(totalMinor), tenderedMinor });
}

async function expectServiceError(promise: Promise<unknown>, code: string): Promise<PaymentServiceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaymentServiceError);
  expect((error as PaymentServiceError).code).toBe(code);
  return error as PaymentServiceError;
}

async function paidQrPayment(s: ReturnType<typeof setup>, amountMinor: number): Promise<string> {
  const started = await s.service.startPayment({ order: order(amountMinor), method: 'qr', description: 'x' });
  s.h.backend.customerPays(started.payment.paymentIntentId);
  await s.h.clock.advance(10);
  expect(s.service.status(started.payment.paymentIntentId).state).toBe('paid');
  return started.payment.paymentIntentId;
}

describe('PaymentService: the one cash path', () => {
  it('records cash as paid at once with change, journaled with its order under the operator, announced once', async () => {
    const s = setup();
    const started = await cashSale(s, 1250, 2000);
    expect(started.changeMinor).toBe(750);
    expect(started.payment).toMatchObject({ state: 'paid', isFinal: true, method: 'cash', amountMinor: 1250, refundableMinor: 1250 });
    expect(s.h.journal.countOrders()).toBe(1);
    expect(s.h.journal.getIntent(started.payment.paymentIntentId).detail).toEqual({ tenderedMinor: 2000, changeMinor: 750 });
    expect(s.events).toEqual([started.payment]);
    expect(s.statusChanges()).toBe(1);
  });

  it('needs an operator session that may sell, and refuses on a kiosk, recording nothing', async () => {
    const s = setup();
    expect(() => s.service.payCash({ sessionId: undefined, order: order(100), tenderedMinor: 100 })).toThrow(CommandError);
    expect(() => s.service.payCash({ sessionId: 'forged', order: order(100), tenderedMinor: 100 })).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    const technician = await s.login('technician');
    expect(() => s.service.payCash({ sessionId: technician, order: order(100), tenderedMinor: 100 })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    const cashier = await s.login();
    expect(() => s.service.payCash({ sessionId: cashier, order: { ...order(100), mode: 'kiosk' }, tenderedMinor: 100 })).toThrow(expect.objectContaining({ name: 'PaymentServiceError', code: 'forbidden' }));
    expect(s.h.journal.countOrders()).toBe(0);
    expect(s.events).toEqual([]);
    expect(s.statusChanges()).toBe(0);
  });

  it('refuses a tender short of the total or not whole, recording nothing', async () => {
    const s = setup();
    const cashier = await s.login();
    expect(() => s.service.payCash({ sessionId: cashier, order: order(1250), tenderedMinor: 1249 })).toThrow(expect.objectContaining({ code: 'invalid-argument', message: expect.stringMatching(/does not cover the total 1250/) }));
    expect(() => s.service.payCash({ sessionId: cashier, order: order(1250), tenderedMinor: 1300.5 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(s.h.journal.countOrders()).toBe(0);
  });

  it('journals the operator of the session as the seller', async () => {
    const s = setup();
    const started = await cashSale(s, 300);
    const orderId = s.h.journal.getIntent(started.payment.paymentIntentId).orderId ?? '';
    const recorded = s.h.journal.pendingOutbox(10).find((entry) => entry.kind === 'order.recorded');
    expect(recorded?.payload).toMatchObject({ id: orderId, userId: 'cashier' });
  });
});

describe('PaymentService: starting payments', () => {
  it('answers a QR payment after the backend created it, with its content, and emits payment.changed', async () => {
    const s = setup();
    const started = await s.service.startPayment({ order: order(1250), method: 'qr', description: 'x' });
    expect(started.payment.state).toBe('awaiting');
    expect(started.payment.qrContent).toMatch(/^sandbox:\/\/pay\//);
    expect(started.payment.expiresAtMs).toBe(s.h.clock.nowMs() + 60_000);
    s.h.backend.customerPays(started.payment.paymentIntentId);
    await s.h.clock.advance(10);
    expect(s.events.map((event) => event.state)).toEqual(['requesting', 'awaiting', 'paid']);
  });

  it('refuses QR and online codes at once while offline, recording nothing; cash still works', async () => {
    const s = setup();
    s.setConnectivity('offline');
    const error = await expectServiceError(s.service.startPayment({ order: order(1250), method: 'qr', description: 'x' }), 'unavailable');
    expect(error.message).toMatch(/QR payment needs the network/);
    await expectServiceError(s.service.startPayment({ order: order(1250), method: 'code', code: '281234567890123456', description: 'x' }), 'unavailable');
    expect(s.h.journal.countOrders()).toBe(0);
    expect((await cashSale(s, 1250)).payment.state).toBe('paid');
  });

  it('says unavailable (nothing charged) when the backend refuses the connection mid-sale', async () => {
    const s = setup();
    s.h.backend.fail('createMerchantPayment', 'unreachable');
    const error = await expectServiceError(s.service.startPayment({ order: order(1250), method: 'qr', description: 'x' }), 'unavailable');
    expect(error.message).toMatch(/nothing was charged/);
  });

  it('refuses an unknown code type with the reason, before any intent exists', async () => {
    const s = setup();
    const error = await expectServiceError(s.service.startPayment({ order: order(1250), method: 'code', code: '6901234567892', description: 'x' }), 'invalid-argument');
    expect(error.message).toMatch(/not an Alipay, WeChat or UnionPay payment code/);
    expect(s.h.journal.openIntents()).toEqual([]);
  });

  it('keeps the scanned code out of the journal (masked only)', async () => {
    const s = setup();
    const code = '281234567890123456';
    const started = await s.service.startPayment({ order: order(1250), method: 'code', code, description: 'x' });
    expect(started.payment.state).toBe('paid');
    const detail = s.h.journal.getIntent(started.payment.paymentIntentId).detail;
    expect(JSON.stringify(detail)).not.toContain(code);
    expect(detail.codeMasked).toBe('2812**********3456');
  });

  it('cancel closes an awaiting QR at the provider', async () => {
    const s = setup();
    const started = await s.service.startPayment({ order: order(1250), method: 'qr', description: 'x' });
    const cancelling = s.service.cancel(started.payment.paymentIntentId);
    await s.h.clock.advance(10);
    await cancelling;
    await s.h.clock.advance(10);
    expect(s.service.status(started.payment.paymentIntentId).state).toBe('cancelled');
  });
});

describe('PaymentService: start-up resolution before selling', () => {
  it('resolves open intents from the previous run first; wallet payments wait, cash does not', async () => {
    const first = setup();
    const left = first.h.newPayment('code', 900, { wallet: 'alipay' });
    first.h.journal.transitionIntent(left, { from: 'created', to: 'paying', isFinal: false, detail: { payAtMs: first.h.clock.nowMs() } });
    first.h.backend.payBehaviour = 'unknown';
    await first.h.backend.payWithCode({ paymentId: left, orderId: 'o', amountMinor: 900, currency: 'CNY', code: '281234567890123456', description: 'x' });
    first.h.backend.fail('queryPayment', 'unreachable', { times: 3 });

    const s = setup({}, first.h);
    const resolution = s.service.resolveOpenIntents();
    await s.h.clock.advance(10);
    expect(s.service.resolving).toBe(true);
    const error = await expectServiceError(s.service.startPayment({ order: order(100), method: 'qr', description: 'x' }), 'unavailable');
    expect(error.message).toMatch(/being resolved/);
    expect((await cashSale(s, 100)).payment.state).toBe('paid');
    await s.h.clock.advance(20_000);
    const resolved = await resolution;
    expect(resolved.map((intent) => intent.state)).toEqual(['paid']);
    expect(s.service.resolving).toBe(false);
    expect((await s.service.startPayment({ order: order(100), method: 'qr', description: 'x' })).payment.state).toBe('awaiting');
    expect(first.h.backend.callsOf('payWithCode')).toBe(1);
  });
});

describe('PaymentService: refunds and voids', () => {
  it('refunds partially, never beyond paid minus refunded, and a repeated refund id refunds once', async () => {
    const s = setup();
    const paymentId = await paidQrPayment(s, 1000);
    const refundA = randomUUID();
    expect(s.service.status(paymentId).refundStatus).toBe('none');
    let view = await s.service.refund({ refundId: refundA, paymentIntentId: paymentId, amountMinor: 400, requestedBy: 'supervisor' });
    expect(view.refundableMinor).toBe(600);
    expect(view.refundStatus).toBe('partial');
    expect(view.refunds).toEqual([{ refundId: refundA, amountMinor: 400, state: 'refunded', isFinal: true, reason: null }]);
    view = await s.service.refund({ refundId: refundA, paymentIntentId: paymentId, amountMinor: 400, requestedBy: 'supervisor' });
    expect(view.refunds).toHaveLength(1);
    expect(s.h.backend.payments.get(paymentId)?.refundedMinor).toBe(400);
    const error = await expectServiceError(s.service.refund({ refundId: randomUUID(), paymentIntentId: paymentId, amountMinor: 601, requestedBy: 'supervisor' }), 'invalid-argument');
    expect(error.message).toMatch(/at most 600 fen/);
    await expectServiceError(s.service.refund({ refundId: refundA, paymentIntentId: paymentId, amountMinor: 300, requestedBy: 'supervisor' }), 'conflict');
    view = await s.service.refund({ refundId: randomUUID(), paymentIntentId: paymentId, requestedBy: 'supervisor' });
    expect(view.refundableMinor).toBe(0);
    expect(view.refunds.map((refund) => refund.amountMinor)).toEqual([400, 600]);
    // A fully refunded payment keeps its state (money was received) but reads as fully refunded.
    expect(view).toMatchObject({ state: 'paid', refundStatus: 'full' });
  });

  it('journals refund-requested before the backend hears of it, queues it while offline, and retries until definite', async () => {
    const s = setup();
    const paymentId = await paidQrPayment(s, 1000);
    s.h.backend.fail('refund', 'unreachable', { times: 2 });
    const refundId = randomUUID();
    const view = await s.service.refund({ refundId, paymentIntentId: paymentId, amountMinor: 1000, requestedBy: 'supervisor' });
    expect(view.refunds[0]?.state).toBe('refund-requested');
    expect(view.refundableMinor).toBe(0);
    await s.h.clock.advance(10_000);
    expect(s.h.journal.getIntent(refundId).state).toBe('refunded');
    expect(s.h.history(refundId)).toEqual(['refund-requested', 'refunded']);
    expect(s.h.backend.callsOf('refund')).toBe(3);
  });

  it('records refund-failed with the provider reason, and the amount becomes refundable again', async () => {
    const s = setup();
    const paymentId = await paidQrPayment(s, 1000);
    s.h.backend.refundOutcome = 'refund-failed';
    const view = await s.service.refund({ refundId: randomUUID(), paymentIntentId: paymentId, amountMinor: 500, requestedBy: 'supervisor' });
    expect(view.refunds[0]).toMatchObject({ state: 'refund-failed', reason: 'ACQ.TRADE_HAS_FINISHED' });
    expect(view.refundableMinor).toBe(1000);
  });

  it('refuses refunds of unpaid or unknown payments', async () => {
    const s = setup();
    const started = await s.service.startPayment({ order: order(1250), method: 'qr', description: 'x' });
    await expectServiceError(s.service.refund({ refundId: randomUUID(), paymentIntentId: started.payment.paymentIntentId, requestedBy: 'x' }), 'conflict');
    await expectServiceError(s.service.refund({ refundId: randomUUID(), paymentIntentId: 'nope', requestedBy: 'x' }), 'not-found');
  });

  it('refunds cash at once (the cashier pays it out)', async () => {
    const s = setup();
    const started = await cashSale(s, 1250);
    const view = await s.service.refund({ refundId: randomUUID(), paymentIntentId: started.payment.paymentIntentId, requestedBy: 'supervisor' });
    expect(view.refunds[0]?.state).toBe('refunded');
    expect(s.h.backend.callsOf('refund')).toBe(0);
  });
});

describe('per-sale maximum (limits.maxSaleMinor)', () => {
  it('refuses cash and wallet sales over the limit before anything is journaled', async () => {
    const s = setup({ saleLimits: { maxSaleMinor: 100_000 } });
    const ordersBefore = s.h.journal.countOrders();
    const cash = await expectServiceError(cashSale(s, 100_001), 'invalid-argument');
    expect(cash.message).toContain('limit of ￥1000.00 per sale');
    await expectServiceError(s.service.startPayment({ order: order(9_007_199_254_740_991), method: 'qr', description: 'x' }), 'invalid-argument');
    expect(s.h.journal.countOrders()).toBe(ordersBefore);
    expect(s.events).toEqual([]);
    // At the limit it sells.
    expect((await cashSale(s, 100_000)).payment.state).toBe('paid');
  });

  it('defaults to ￥50,000.00 per sale', async () => {
    const s = setup();
    await expectServiceError(cashSale(s, 5_000_001), 'invalid-argument');
    expect((await cashSale(s, 5_000_000)).payment.state).toBe('paid');
  });
});
