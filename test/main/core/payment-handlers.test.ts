import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult, PaymentView } from '../../../main/contract/contract.js';
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

function setup(options: { mode?: 'counter' | 'kiosk'; attach?: boolean } = {}) {
  const clock = new FakeClock();
  const fixture = createCoreFixture({ mode: options.mode ?? 'counter', clock });
  fixtures.push(fixture);
  const backend = new FakePaymentBackend();
  const events: PaymentView[] = [];
  fixture.core.subscribe((event) => {
    if (event.name === 'payment.changed') events.push(event.payload);
  });
  if (options.attach !== false) {
    const payments = new PaymentService({
      journal: fixture.journal,
      backend,
      clock,
      timers: clock,
      logger,
      connectivity: () => 'online',
      onPaymentChanged: (view) => fixture.core.publish({ name: 'payment.changed', payload: view }),
    });
    fixture.core.attachPayments({ payments });
  }
  const call = (name: string, input: unknown): Promise<CommandResult<unknown>> => dispatchCommand(fixture.core.handlers, name, input, { transport: 'test' }, logger);
  return { fixture, backend, clock, events, call };
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
    const started = value<{ totalMinor: number }>(await s.call('sale.startPayment', { lines: [{ productId: 'cola', quantity: 2 }], method: 'cash' }));
    expect(started.totalMinor).toBe(900);
    for (const input of [{ method: 'cash' }, { method: 'cash', amountMinor: 100, lines: [{ productId: 'cola', quantity: 1 }] }, { method: 'code', amountMinor: 100 }]) {
      const result = await s.call('sale.startPayment', input);
      expect(result.ok ? 'ok' : result.error.code).toBe('invalid-argument');
    }
  });

  it('refunds only with a supervisor session, idempotently by refund id', async () => {
    const s = setup();
    const started = value<{ payment: PaymentView }>(await s.call('sale.startPayment', { amountMinor: 1000, method: 'cash' }));
    const paymentIntentId = started.payment.paymentIntentId;
    const refundId = randomUUID();
    const anonymous = await s.call('payment.refund', { paymentIntentId, refundId });
    expect(anonymous.ok ? 'ok' : anonymous.error.code).toBe('unauthenticated');
    const cashier = value<{ sessionId: string }>(await s.call('auth.login', { userId: 'cashier', pin: '1111' })).sessionId;
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

  it('refuses cash on a kiosk and answers unavailable when payments are not set up', async () => {
    const kiosk = setup({ mode: 'kiosk' });
    const cash = await kiosk.call('sale.startPayment', { amountMinor: 100, method: 'cash' });
    expect(cash.ok ? 'ok' : cash.error.code).toBe('forbidden');
    const bare = setup({ attach: false });
    const result = await bare.call('sale.startPayment', { amountMinor: 100, method: 'qr' });
    expect(result.ok ? 'ok' : result.error.code).toBe('unavailable');
    const sync = await bare.call('sync.now', {});
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
