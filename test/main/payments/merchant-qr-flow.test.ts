import { afterEach, describe, expect, it } from 'vitest';
import { uncontrolledFlow, type FlowControl } from '../../../main/payments/flow-control.js';
import { defaultMerchantQrFlowOptions, MerchantQrFlow } from '../../../main/payments/merchant-qr-flow.js';
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

const options = { ...defaultMerchantQrFlowOptions, random: () => 0.5 };

function controls(): { control: FlowControl; cancel: AbortController; stop: AbortController } {
  const cancel = new AbortController();
  const stop = new AbortController();
  return { control: { cancel: cancel.signal, stop: stop.signal }, cancel, stop };
}

describe('merchant-presented QR flow (docs/payment-rules.md#merchant-presented-qr, row by row)', () => {
  it('created → requesting → awaiting → paid by push; journaled before each step', async () => {
    const h = harness();
    const id = h.newPayment('qr', 1250);
    const flow = new MerchantQrFlow(h.context, options);
    const done = flow.run(id, uncontrolledFlow());
    await h.clock.advance(10);
    const awaiting = h.journal.getIntent(id);
    expect(awaiting.state).toBe('awaiting');
    expect(awaiting.detail.qrContent).toBe(`sandbox://pay/${id}`);
    expect(awaiting.detail.expiresAtMs).toBe(h.clock.nowMs() - 10 + 60_000);
    // "requesting" was durable before the backend saw the create.
    expect(h.history(id)).toEqual(['created', 'requesting', 'awaiting']);
    await h.clock.advance(1_000);
    h.backend.customerPays(id);
    const final = await done;
    expect(final.state).toBe('paid');
    expect(final.isFinal).toBe(true);
    expect(final.detail.confirmedBy).toBe('push');
    expect(h.history(id)).toEqual(['created', 'requesting', 'awaiting', 'paid']);
    expect(h.backend.callsOf('createMerchantPayment')).toBe(1);
    expect(h.backend.totalCharges()).toBe(1);
    const kinds = h.journal.pendingOutbox(100).map((entry) => entry.kind);
    expect(kinds).toEqual(['order.recorded', 'intent.created', 'intent.transitioned', 'intent.transitioned', 'intent.transitioned']);
  });

  it('awaiting → paid by poll when the push never comes', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const done = new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(10);
    h.backend.customerPays(id, false);
    await h.clock.advance(3_000);
    const final = await done;
    expect(final.state).toBe('paid');
    expect(final.detail.confirmedBy).toBe('poll');
  });

  it('awaiting → closing → expired after 60 s without a result (Antom failure point), closed at the provider', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const done = new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(59_000);
    expect(h.journal.getIntent(id).state).toBe('awaiting');
    await h.clock.advance(1_500);
    const final = await done;
    expect(final.state).toBe('expired');
    expect(h.history(id)).toEqual(['created', 'requesting', 'awaiting', 'closing', 'expired']);
    expect(h.backend.payments.get(id)?.state).toBe('closed');
    expect(h.backend.totalCharges()).toBe(0);
  });

  it('awaiting → Cancel → closing → cancelled', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const { control, cancel } = controls();
    const done = new MerchantQrFlow(h.context, options).run(id, control);
    await h.clock.advance(2_000);
    cancel.abort();
    await h.clock.advance(10);
    const final = await done;
    expect(final.state).toBe('cancelled');
    expect(h.history(id)).toEqual(['created', 'requesting', 'awaiting', 'closing', 'cancelled']);
  });

  it('closing → paid when the provider says it was paid meanwhile (the race is real)', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const { control, cancel } = controls();
    const done = new MerchantQrFlow(h.context, options).run(id, control);
    await h.clock.advance(10);
    h.backend.customerPays(id, false);
    cancel.abort();
    await h.clock.advance(10);
    const final = await done;
    expect(final.state).toBe('paid');
    expect(final.detail.confirmedBy).toBe('close');
    expect(h.history(id)).toEqual(['created', 'requesting', 'awaiting', 'closing', 'paid']);
  });

  it('closing retries a failing close with backoff until the provider answers', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    h.backend.fail('closePayment', 'timeout', { times: 2 });
    const { control, cancel } = controls();
    const done = new MerchantQrFlow(h.context, options).run(id, control);
    await h.clock.advance(10);
    cancel.abort();
    await h.clock.advance(60_000);
    expect((await done).state).toBe('cancelled');
    expect(h.backend.callsOf('closePayment')).toBe(3);
  });

  it.each(['unreachable', 'rejected', 'clock-skew'] as const)('requesting → failed on a definite error (%s): nothing was charged', async (code) => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    h.backend.fail('createMerchantPayment', code);
    const final = await new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    expect(final.state).toBe('failed');
    expect(final.detail.errorCode).toBe(code);
    expect(h.history(id)).toEqual(['created', 'requesting', 'failed']);
    expect(h.backend.payments.size).toBe(0);
  });

  it('requesting → unknown on a timeout before the backend acted → query: not found → failed', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    h.backend.fail('createMerchantPayment', 'timeout');
    const final = await new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    expect(final.state).toBe('failed');
    expect(h.history(id)).toEqual(['created', 'requesting', 'unknown', 'failed']);
    expect(h.backend.callsOf('createMerchantPayment')).toBe(1);
  });

  it('requesting → unknown when the answer was dropped after the backend committed → query: pending → closing → expired (never a second create)', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    h.backend.fail('createMerchantPayment', 'bad-response', { afterCommit: true });
    const final = await new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    expect(final.state).toBe('expired');
    expect(h.history(id)).toEqual(['created', 'requesting', 'unknown', 'closing', 'expired']);
    expect(h.backend.callsOf('createMerchantPayment')).toBe(1);
  });

  it('unknown → keeps querying with capped backoff while the backend is away, then paid', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    h.backend.fail('createMerchantPayment', 'server-error', { afterCommit: true });
    h.backend.fail('queryPayment', 'unreachable', { times: 6 });
    const done = new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(10);
    expect(h.journal.getIntent(id).state).toBe('unknown');
    // random() = 0.5: waits are 0.5 × min(30 s, 1 s · 2^(n−1)) = 0.5, 1, 2, 4, 8, 15 s.
    await h.clock.advance(500 + 1_000 + 2_000 + 4_000 + 8_000 - 20);
    expect(h.backend.callsOf('queryPayment')).toBe(5);
    h.backend.customerPays(id, false);
    await h.clock.advance(15_100);
    const final = await done;
    expect(h.backend.callsOf('queryPayment')).toBe(7);
    expect(final.state).toBe('paid');
    expect(h.history(id)).toEqual(['created', 'requesting', 'unknown', 'paid']);
  });

  it('a clock jump of ±24 h neither expires the QR early nor keeps it open', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const done = new MerchantQrFlow(h.context, options).run(id, uncontrolledFlow());
    await h.clock.advance(10);
    h.clock.jumpWallClock(24 * 3600_000);
    await h.clock.advance(30_000);
    expect(h.journal.getIntent(id).state).toBe('awaiting');
    h.clock.jumpWallClock(-48 * 3600_000);
    await h.clock.advance(31_000);
    expect((await done).state).toBe('expired');
  });

  it('resumed after a crash: requesting → unknown → query; awaiting → closing; created → failed', async () => {
    const h = harness();
    const flow = new MerchantQrFlow(h.context, options);
    const requesting = h.newPayment('qr', 100);
    h.journal.transitionIntent(requesting, { from: 'created', to: 'requesting', isFinal: false });
    await h.backend.createMerchantPayment({ paymentId: requesting, orderId: 'o', amountMinor: 100, currency: 'CNY', description: 'x', expiresInMs: 60_000 });
    const awaiting = h.newPayment('qr', 200);
    h.journal.transitionIntent(awaiting, { from: 'created', to: 'requesting', isFinal: false });
    h.journal.transitionIntent(awaiting, { from: 'requesting', to: 'awaiting', isFinal: false, detail: { qrContent: 'x', expiresInMs: 60_000 } });
    await h.backend.createMerchantPayment({ paymentId: awaiting, orderId: 'o', amountMinor: 200, currency: 'CNY', description: 'x', expiresInMs: 60_000 });
    h.backend.customerPays(awaiting, false);
    const created = h.newPayment('qr', 300);

    const results = await Promise.all([requesting, awaiting, created].map((id) => flow.run(id, uncontrolledFlow(), true)));
    expect(results.map((intent) => intent.state)).toEqual(['expired', 'paid', 'failed']);
    expect(h.history(requesting)).toEqual(['created', 'requesting', 'unknown', 'closing', 'expired']);
    expect(h.history(awaiting)).toEqual(['created', 'requesting', 'awaiting', 'closing', 'paid']);
    expect(h.history(created)).toEqual(['created', 'requesting', 'failed']);
    expect(h.backend.callsOf('createMerchantPayment')).toBe(2);
  });

  it('stop leaves the journaled state for the start-up resolver', async () => {
    const h = harness();
    const id = h.newPayment('qr', 800);
    const { control, stop } = controls();
    const done = new MerchantQrFlow(h.context, options).run(id, control);
    await h.clock.advance(10);
    stop.abort();
    await h.clock.advance(10);
    expect((await done).state).toBe('awaiting');
    expect(h.journal.openIntents().map((intent) => intent.id)).toEqual([id]);
  });
});
