import { afterEach, describe, expect, it } from 'vitest';
import { CustomerCodeFlow, defaultCustomerCodeFlowOptions } from '../../../main/payments/customer-code-flow.js';
import { uncontrolledFlow, type FlowControl } from '../../../main/payments/flow-control.js';
import { createPaymentHarness, type PaymentHarness } from '../../support/payment-harness.js';

const harnesses: PaymentHarness[] = [];
function harness(): PaymentHarness {
  const created = createPaymentHarness();
  harnesses.push(created);
  return created;
}
afterEach(() => {
  for (const created of harnesses.splice(0)) created.close();
});

const options = { ...defaultCustomerCodeFlowOptions, random: () => 0.5 };
const alipayCode = '281234567890123456';
const wechatCode = '134567890123456789';

function cancellable(): { control: FlowControl; cancel: AbortController } {
  const cancel = new AbortController();
  return { control: { cancel: cancel.signal, stop: new AbortController().signal }, cancel };
}

/** Monotonic times (ms since the flow started) of each backend call of METHOD. */
function callTimes(h: PaymentHarness, method: string, log: { method: string; atMs: number }[]): number[] {
  return log.filter((entry) => entry.method === method).map((entry) => entry.atMs);
}

function recordCallTimes(h: PaymentHarness): { method: string; atMs: number }[] {
  const log: { method: string; atMs: number }[] = [];
  const original = h.backend.calls.push.bind(h.backend.calls);
  h.backend.calls.push = (...items) => {
    for (const item of items) log.push({ method: item.method, atMs: h.clock.monotonicNowMs() });
    return original(...items);
  };
  return log;
}

describe('customer-presented code flow (docs/payment-rules.md#customer-presented-code, row by row)', () => {
  it('created → paying → paid; "paying" is durable before the pay call', async () => {
    const h = harness();
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    let stateSeenByBackend = '';
    const pay = h.backend.payWithCode.bind(h.backend);
    h.backend.payWithCode = (request) => {
      stateSeenByBackend = h.journal.getIntent(request.paymentId).state;
      return pay(request);
    };
    const final = await new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    expect(stateSeenByBackend).toBe('paying');
    expect(final.state).toBe('paid');
    expect(h.history(id)).toEqual(['created', 'paying', 'paid']);
    expect(h.backend.totalCharges()).toBe(1);
  });

  it('paying → failed on a definite failure (40004), with the provider reason', async () => {
    const h = harness();
    h.backend.payBehaviour = 'decline';
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const final = await new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    expect(final.state).toBe('failed');
    expect(final.detail.reason).toMatch(/40004/);
    expect(h.history(id)).toEqual(['created', 'paying', 'failed']);
  });

  it('paying → polling (USERPAYING) → queries every 5 s → paid', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    const log = recordCallTimes(h);
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(12_000);
    expect(h.journal.getIntent(id).state).toBe('polling');
    h.backend.customerPays(id, false);
    await h.clock.advance(3_000);
    const final = await done;
    expect(final.state).toBe('paid');
    expect(callTimes(h, 'queryPayment', log)).toEqual([5_000, 10_000, 15_000]);
    expect(h.history(id)).toEqual(['created', 'paying', 'polling', 'paid']);
  });

  it('polling → reversing after 30 s unpaid → cancelled (reversed at the provider)', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    const log = recordCallTimes(h);
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(29_000);
    expect(h.journal.getIntent(id).state).toBe('polling');
    await h.clock.advance(2_000);
    const final = await done;
    expect(final.state).toBe('cancelled');
    expect(callTimes(h, 'queryPayment', log)).toEqual([5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
    expect(callTimes(h, 'reversePayment', log)).toEqual([30_000]);
    expect(h.history(id)).toEqual(['created', 'paying', 'polling', 'reversing', 'cancelled']);
    expect(h.backend.totalCharges()).toBe(0);
  });

  it('WeChat: a cashier cancel at 3 s still waits until 15 s after the pay call before reversing', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    const log = recordCallTimes(h);
    const id = h.newPayment('code', 1250, { wallet: 'wechat', code: wechatCode });
    const { control, cancel } = cancellable();
    const done = new CustomerCodeFlow(h.context, options).run(id, control);
    await h.clock.advance(3_000);
    cancel.abort();
    await h.clock.advance(11_000);
    expect(h.journal.getIntent(id).state).toBe('reversing');
    expect(h.backend.callsOf('reversePayment')).toBe(0);
    await h.clock.advance(2_000);
    expect((await done).state).toBe('cancelled');
    expect(callTimes(h, 'reversePayment', log)).toEqual([15_000]);
  });

  it('Alipay: a cashier cancel at 3 s reverses at once', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    const log = recordCallTimes(h);
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const { control, cancel } = cancellable();
    const done = new CustomerCodeFlow(h.context, options).run(id, control);
    await h.clock.advance(3_000);
    cancel.abort();
    await h.clock.advance(10);
    expect((await done).state).toBe('cancelled');
    expect(callTimes(h, 'reversePayment', log)).toEqual([3_000]);
  });

  it('WeChat refuses to reverse during USERPAYING: the reverse is retried until it goes through', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    h.backend.refuseReverseWhileUserPaying = true;
    const id = h.newPayment('code', 1250, { wallet: 'wechat', code: wechatCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(31_000);
    expect(h.journal.getIntent(id).state).toBe('reversing');
    expect(h.backend.callsOf('reversePayment')).toBe(1);
    h.backend.refuseReverseWhileUserPaying = false;
    await h.clock.advance(5_000);
    expect((await done).state).toBe('cancelled');
    expect(h.backend.callsOf('reversePayment')).toBe(2);
  });

  it('paying → unknown (answer dropped after the charge) → query: paid; the code is never sent twice', async () => {
    const h = harness();
    h.backend.fail('payWithCode', 'timeout', { afterCommit: true });
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const final = await new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    expect(final.state).toBe('paid');
    expect(h.history(id)).toEqual(['created', 'paying', 'unknown', 'paid']);
    expect(h.backend.callsOf('payWithCode')).toBe(1);
    expect(h.backend.totalCharges()).toBe(1);
  });

  it.each(['timeout', 'server-error', 'bad-signature', 'bad-response'] as const)('paying → unknown on %s → query → reverse after 30 s when it never resolves', async (code) => {
    const h = harness();
    h.backend.fail('payWithCode', code);
    h.backend.fail('queryPayment', 'timeout', { times: 100 });
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(31_000);
    const final = await done;
    expect(final.state).toBe('cancelled');
    expect(h.history(id)).toEqual(['created', 'paying', 'unknown', 'reversing', 'cancelled']);
    expect(h.backend.callsOf('queryPayment')).toBe(7);
  });

  it('reversing → refunded when the customer had paid and the reversal refunded it', async () => {
    const h = harness();
    h.backend.payBehaviour = 'unknown';
    h.backend.fail('queryPayment', 'timeout', { times: 100 });
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(31_000);
    const final = await done;
    expect(final.state).toBe('refunded');
    expect(h.history(id)).toEqual(['created', 'paying', 'unknown', 'reversing', 'refunded']);
    expect(h.backend.payments.get(id)?.refundedMinor).toBe(1250);
  });

  it('unknown → polling when the query says the user is still paying', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    h.backend.fail('payWithCode', 'timeout', { afterCommit: true });
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(100);
    expect(h.journal.getIntent(id).state).toBe('polling');
    h.backend.customerPays(id, false);
    await h.clock.advance(5_000);
    expect((await done).state).toBe('paid');
    expect(h.history(id)).toEqual(['created', 'paying', 'unknown', 'polling', 'paid']);
  });

  it('a wall-clock jump of −24 h during polling does not stretch the 30 s reverse deadline', async () => {
    const h = harness();
    h.backend.payBehaviour = 'user-paying';
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(10_000);
    h.clock.jumpWallClock(-24 * 3600_000);
    await h.clock.advance(21_000);
    expect((await done).state).toBe('cancelled');
  });

  it('resumed after a crash in paying: unknown → query → reverse; WeChat waits its 15 s again', async () => {
    const h = harness();
    const id = h.newPayment('code', 1250, { wallet: 'wechat', code: wechatCode });
    h.journal.transitionIntent(id, { from: 'created', to: 'paying', isFinal: false, detail: { payAtMs: h.clock.nowMs() } });
    h.backend.payBehaviour = 'user-paying';
    await h.backend.payWithCode({ paymentId: id, orderId: 'o', amountMinor: 1250, currency: 'CNY', code: wechatCode, description: 'x' });
    h.clock.jumpWallClock(5 * 60_000);
    const log = recordCallTimes(h);
    const startMono = h.clock.monotonicNowMs();
    const done = new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow(), true);
    await h.clock.advance(20_000);
    const final = await done;
    expect(final.state).toBe('cancelled');
    expect(h.history(id)).toEqual(['created', 'paying', 'unknown', 'polling', 'reversing', 'cancelled']);
    expect(callTimes(h, 'reversePayment', log).map((at) => at - startMono)).toEqual([15_000]);
    expect(h.backend.callsOf('payWithCode')).toBe(1);
  });

  it('resumed in created: the code was never sent → failed, nothing charged', async () => {
    const h = harness();
    const id = h.newPayment('code', 1250, { wallet: 'alipay', code: alipayCode });
    const final = await new CustomerCodeFlow(h.context, options).run(id, uncontrolledFlow(), true);
    expect(final.state).toBe('failed');
    expect(h.backend.calls).toEqual([]);
  });
});
