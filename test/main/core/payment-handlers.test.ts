import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult, PaymentView, TerminalEvent } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { PaymentService } from '../../../main/payments/payment-service.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakePaymentBackend } from '../../support/fake-payment-backend.js';

const fixtures: CoreFixture[] = [];
afterEach(() => {
  for (const created of fixtures.splice(0)) created.close();
});

const logger = createSilentLogger();

/** A core built from a payment service on a fake backend, as start-terminal builds it (services first). */
function setup(options: { mode?: 'counter' | 'kiosk' } = {}) {
  const clock = new FakeClock();
  const backend = new FakePaymentBackend();
  const fixture = createCoreFixture({
    mode: options.mode ?? 'counter',
    clock,
    services: ({ journal, sessions, events, paymentListeners }) => ({
      payments: new PaymentService({ journal, sessions, backend, clock, timers: clock, logger, connectivity: () => events.connectivity(), ...paymentListeners }),
    }),
  });
  fixtures.push(fixture);
  const events: PaymentView[] = [];
  const all: TerminalEvent[] = [];
  fixture.core.subscribe((event) => {
    all.push(event);
    if (event.name === 'payment.changed') events.push(event.payload);
  });
  const call = (name: string, input: unknown): Promise<CommandResult<unknown>> => dispatchCommand(fixture.core.handlers, name, input, { transport: 'test' }, logger);
  const login = async (userId = 'cashier', pin = '1111') => value<{ sessionId: string }>(await call('auth.login', { userId, pin })).sessionId;
  return { fixture, backend, clock, events, all, call, login };
}

function value<T>(result: CommandResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

describe('payment commands through the dispatcher', () => {
  it('starts a QR sale from an amount, reports it, and pushes payment.changed events', async () => {
    const s = setup();
    const started = value<{ payment: PaymentView; totalMinor: number }>(await s.call('sale.startPayment', { amountMinor: 1250, method: 'qr' }));
    expect(started.totalMinor).toBe(1250);
    expect(started.payment).toMatchObject({ state: 'awaiting', method: 'qr' });
    s.backend.customerPays(started.payment.paymentIntentId);
    await s.clock.advance(10);
    expect(value<PaymentView>(await s.call('payment.status', { paymentIntentId: started.payment.paymentIntentId })).state).toBe('paid');
    expect(s.events.map((event) => event.state)).toContain('paid');
  });

  it('prices lines from the catalog and refuses both or neither of lines and amountMinor', async () => {
    const s = setup();
    const sessionId = await s.login();
    const started = value<{ totalMinor: number }>(await s.call('sale.startPayment', { sessionId, lines: [{ productId: 'cola', quantity: 2 }], method: 'cash' }));
    expect(started.totalMinor).toBe(900);
    for (const input of [{ method: 'cash' }, { method: 'cash', amountMinor: 100, lines: [{ productId: 'cola', quantity: 1 }] }, { method: 'code', amountMinor: 100 }]) {
      const result = await s.call('sale.startPayment', input);
      expect(result.ok ? 'ok' : result.error.code).toBe('invalid-argument');
    }
  });

  it('refunds only with a supervisor session, idempotently by refund id', async () => {
    const s = setup();
    const cashier = await s.login();
    const started = value<{ payment: PaymentView }>(await s.call('sale.startPayment', { sessionId: cashier, amountMinor: 1000, method: 'cash' }));
    const paymentIntentId = started.payment.paymentIntentId;
    const refundId = randomUUID();
    const anonymous = await s.call('payment.refund', { paymentIntentId, refundId });
    expect(anonymous.ok ? 'ok' : anonymous.error.code).toBe('unauthenticated');
    const forbidden = await s.call('payment.refund', { sessionId: cashier, paymentIntentId, refundId });
    expect(forbidden.ok ? 'ok' : forbidden.error.code).toBe('forbidden');
    const supervisor = value<{ sessionId: string }>(await s.call('auth.login', { userId: 'supervisor', pin: '2222' })).sessionId;
    const first = value<PaymentView>(await s.call('payment.refund', { sessionId: supervisor, paymentIntentId, refundId, amountMinor: 300 }));
    const again = value<PaymentView>(await s.call('payment.refund', { sessionId: supervisor, paymentIntentId, refundId, amountMinor: 300 }));
    expect(first.refunds).toHaveLength(1);
    expect(again.refunds).toHaveLength(1);
    expect(again.refundableMinor).toBe(700);
    const tooMuch = await s.call('payment.refund', { sessionId: supervisor, paymentIntentId, refundId: randomUUID(), amountMinor: 701 });
    expect(tooMuch.ok ? 'ok' : tooMuch.error.code).toBe('invalid-argument');
  });

  it('refuses cash on a kiosk, and answers sync.now with unavailable without a sync client', async () => {
    const kiosk = setup({ mode: 'kiosk' });
    const cashier = await kiosk.login();
    const cash = await kiosk.call('sale.startPayment', { sessionId: cashier, amountMinor: 100, method: 'cash' });
    expect(cash.ok ? 'ok' : cash.error.code).toBe('forbidden');
    const payCash = await kiosk.call('sale.payCash', { sessionId: cashier, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 });
    expect(payCash.ok ? 'ok' : payCash.error.code).toBe('forbidden');
    expect(kiosk.fixture.journal.countOrders()).toBe(0);
    const sync = await kiosk.call('sync.now', {});
    expect(sync.ok ? 'ok' : sync.error.code).toBe('unavailable');
  });

  it('lists open payments with the offline totals against the caps', async () => {
    const s = setup();
    const started = value<{ payment: PaymentView }>(await s.call('sale.startPayment', { amountMinor: 500, method: 'qr' }));
    const open = value<{ resolving: boolean; payments: PaymentView[]; offline: { perPaymentCapMinor: number; totalStoredCapMinor: number } }>(await s.call('payment.open', {}));
    expect(open.resolving).toBe(false);
    expect(open.payments.map((payment) => payment.paymentIntentId)).toEqual([started.payment.paymentIntentId]);
    expect(open.offline).toMatchObject({ perPaymentCapMinor: 20_000, totalStoredCapMinor: 200_000 });
  });
});

describe('the one cash path (sale.payCash and sale.startPayment with method cash)', () => {
  const lines = [{ productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['egg'] }, { productId: 'cola', quantity: 2 }];
  const through = {
    'sale.payCash': (sessionId: string | undefined, tenderedMinor: number) => ({ ...(sessionId ? { sessionId } : {}), lines, tenderedMinor }),
    'sale.startPayment': (sessionId: string | undefined, tenderedMinor: number) => ({ ...(sessionId ? { sessionId } : {}), lines, method: 'cash', tenderedMinor }),
  } as const;

  it.each(Object.keys(through) as (keyof typeof through)[])('%s needs a session that may sell, and records nothing without one', async (command) => {
    const s = setup();
    const anonymous = await s.call(command, through[command](undefined, 5000));
    expect(anonymous.ok ? 'ok' : anonymous.error.code).toBe('unauthenticated');
    const technician = await s.login('technician', '3333');
    const forbidden = await s.call(command, through[command](technician, 5000));
    expect(forbidden.ok ? 'ok' : forbidden.error.code).toBe('forbidden');
    const short = await s.call(command, through[command](await s.login(), 3000));
    expect(short.ok ? null : short.error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/tendered 3000 does not cover the total 3900/) });
    expect(s.fixture.journal.countOrders()).toBe(0);
    expect(s.all).toEqual([]);
  });

  it('gives the same change through both commands, journals the operator, and announces each sale once', async () => {
    const s = setup();
    const sessionId = await s.login();
    const sales = [];
    for (const command of Object.keys(through) as (keyof typeof through)[]) {
      s.all.length = 0;
      const sale = value<{ orderId: string; changeMinor: number; totalMinor: number }>(await s.call(command, through[command](sessionId, 5000)));
      expect(s.all.map((event) => event.name)).toEqual(['payment.changed', 'status.changed']);
      const [paymentEvent, statusEvent] = s.all;
      expect(paymentEvent).toMatchObject({ payload: { orderId: sale.orderId, method: 'cash', state: 'paid', amountMinor: 3900 } });
      expect(statusEvent).toMatchObject({ payload: { queue: { depth: s.fixture.journal.outboxStats().depth } } });
      const payment = s.fixture.journal.intentsOfOrder(sale.orderId)[0];
      expect(payment).toMatchObject({ kind: 'payment', method: 'cash', state: 'paid', isFinal: true, detail: { tenderedMinor: 5000, changeMinor: 1100 } });
      sales.push(sale);
    }
    expect(sales.map((sale) => [sale.totalMinor, sale.changeMinor])).toEqual([
      [3900, 1100],
      [3900, 1100],
    ]);
    const recorded = s.fixture.journal.pendingOutbox(20).filter((entry) => entry.kind === 'order.recorded');
    expect(recorded.map((entry) => (entry.payload as { userId: string }).userId)).toEqual(['cashier', 'cashier']);
  });

  it('is the core built from its services: nothing can be attached afterwards', () => {
    const { fixture } = setup();
    for (const attach of ['attachPayments', 'attachVending', 'attachPrinting']) expect(attach in fixture.core).toBe(false);
  });
});

describe('idempotent sales (idempotencyKey)', () => {
  it('answers a repeated QR request with the same sale, also when the copies race, and records one order', async () => {
    const s = setup();
    const idempotencyKey = randomUUID();
    const request = { amountMinor: 1250, method: 'qr', idempotencyKey };
    const first = value<{ orderId: string; receiptNumber: string; payment: PaymentView }>(await s.call('sale.startPayment', request));
    const [again, racing] = await Promise.all([s.call('sale.startPayment', request), s.call('sale.startPayment', request)]);
    for (const replay of [again, racing]) {
      expect(value<{ orderId: string; receiptNumber: string; payment: PaymentView }>(replay)).toMatchObject({ orderId: first.orderId, receiptNumber: first.receiptNumber, payment: { paymentIntentId: first.payment.paymentIntentId } });
    }
    expect(s.fixture.journal.countOrders()).toBe(1);
    expect(s.backend.callsOf('createMerchantPayment')).toBe(1);
  });

  it('races two copies of a cash sale into one order with the same change', async () => {
    const s = setup();
    const sessionId = await s.login();
    const idempotencyKey = 'till-7-sale-0042';
    const request = { sessionId, lines: [{ productId: 'cola', quantity: 2 }], tenderedMinor: 1000, idempotencyKey };
    const answers = await Promise.all([s.call('sale.payCash', request), s.call('sale.payCash', request), s.call('sale.payCash', request)]);
    const sales = answers.map((answer) => value<{ orderId: string; changeMinor: number }>(answer));
    expect(new Set(sales.map((sale) => sale.orderId)).size).toBe(1);
    expect(sales.map((sale) => sale.changeMinor)).toEqual([100, 100, 100]);
    expect(s.fixture.journal.countOrders()).toBe(1);
  });

  it('still answers unavailable when the backend cannot be reached (the journaled order is this sale, not a replay)', async () => {
    const s = setup();
    s.backend.fail('createMerchantPayment', 'unreachable', { times: 1 });
    const first = await s.call('sale.startPayment', { amountMinor: 300, method: 'qr', idempotencyKey: randomUUID() });
    expect(first.ok ? 'ok' : first.error.code).toBe('unavailable');
  });

  it('refuses the same key for another amount or method, and a malformed key, recording nothing', async () => {
    const s = setup();
    const sessionId = await s.login();
    const idempotencyKey = randomUUID();
    value(await s.call('sale.startPayment', { sessionId, amountMinor: 500, method: 'cash', idempotencyKey }));
    const otherAmount = await s.call('sale.startPayment', { sessionId, amountMinor: 600, method: 'cash', idempotencyKey });
    expect(otherAmount.ok ? 'ok' : otherAmount.error.code).toBe('conflict');
    const otherMethod = await s.call('sale.startPayment', { amountMinor: 500, method: 'qr', idempotencyKey });
    expect(otherMethod.ok ? 'ok' : otherMethod.error.code).toBe('conflict');
    const malformed = await s.call('sale.startPayment', { sessionId, amountMinor: 500, method: 'cash', idempotencyKey: 'no spaces allowed' });
    expect(malformed.ok ? 'ok' : malformed.error.code).toBe('invalid-argument');
    expect(s.fixture.journal.countOrders()).toBe(1);
  });
});
