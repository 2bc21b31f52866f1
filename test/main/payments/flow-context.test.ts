import { afterEach, describe, expect, it } from 'vitest';
import { customerCodeMachine, merchantQrMachine } from '../../../main/domain/payment-states.js';
import { intentMover, IntentMoveError } from '../../../main/payments/flow-context.js';
import { createPaymentHarness, type PaymentHarness } from '../../support/payment-harness.js';

const harnesses: PaymentHarness[] = [];
afterEach(() => {
  for (const created of harnesses.splice(0)) created.close();
});

function harness(): PaymentHarness {
  const created = createPaymentHarness();
  harnesses.push(created);
  return created;
}

describe('intentMover (moveIntent typed by state)', () => {
  const moveQr = intentMover(merchantQrMachine);

  it('journals a move its machine allows, tells the listener, and marks it final when nothing follows', () => {
    const h = harness();
    const id = h.newPayment('qr', 450);
    expect(moveQr(h.context, id, 'created', 'requesting')).toMatchObject({ state: 'requesting', isFinal: false });
    expect(moveQr(h.context, id, 'requesting', 'failed', { reason: 'declined' })).toMatchObject({ state: 'failed', isFinal: true, detail: { reason: 'declined' } });
    expect(h.changes.map((intent) => intent.state)).toEqual(['requesting', 'failed']);
    expect(h.history(id)).toEqual(['created', 'requesting', 'failed']);
  });

  it('refuses a move its machine lacks before touching the journal', () => {
    const h = harness();
    const id = h.newPayment('qr', 450);
    // @ts-expect-error a merchant QR is never paid before the backend was asked
    const skip = () => moveQr(h.context, id, 'created', 'paid');
    expect(skip).toThrow(IntentMoveError);
    expect(skip).toThrow(expect.objectContaining({ code: 'illegal-transition', message: expect.stringContaining('"created" to "paid"') }));
    // @ts-expect-error `paying` belongs to the customer-code machine
    expect(() => moveQr(h.context, id, 'paying', 'paid')).toThrow(expect.objectContaining({ code: 'illegal-transition' }));
    expect(h.history(id)).toEqual(['created']);
    expect(h.changes).toEqual([]);
  });

  it('types each flow by its own machine: a customer code may fail at once, a QR may not', () => {
    const h = harness();
    const id = h.newPayment('code', 450);
    expect(intentMover(customerCodeMachine)(h.context, id, 'created', 'failed')).toMatchObject({ state: 'failed', isFinal: true });
    const qr = h.newPayment('qr', 450);
    // @ts-expect-error created → failed is a customer-code move only
    expect(() => moveQr(h.context, qr, 'created', 'failed')).toThrow(expect.objectContaining({ code: 'illegal-transition' }));
  });
});
