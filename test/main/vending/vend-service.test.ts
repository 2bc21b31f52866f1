import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../main/config/load-config.js';
import { VendServiceError } from '../../../main/vending/vend-service.js';
import { advanceUntil, createKioskRig, type KioskRig, type KioskRigOptions } from '../../support/kiosk-rig.js';

const rigs: KioskRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** A started kiosk (start-up resolution done, payments resolved), as the composition root leaves it. */
async function startedKiosk(options: KioskRigOptions = {}, existing?: KioskRig): Promise<KioskRig> {
  const rig = existing ?? (await createKioskRig(options));
  rigs.push(rig);
  let done = false;
  void rig.payments.resolveOpenIntents();
  void rig.vending.start().then(() => (done = true));
  await advanceUntil(rig.clock, () => done);
  return rig;
}

async function restarted(rig: KioskRig, ids?: string[]): Promise<KioskRig> {
  rigs.splice(rigs.indexOf(rig), 1);
  const next = await rig.restart(ids ? { ids } : {});
  return startedKiosk({}, next);
}

function vendOf(rig: KioskRig, paymentIntentId: string) {
  const vend = rig.vending.status(paymentIntentId).vend;
  if (!vend) throw new Error(`no vend for payment ${paymentIntentId}`);
  return vend;
}

async function expectRefused(promise: Promise<unknown>, code: VendServiceError['code']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(VendServiceError);
  expect((error as VendServiceError).code).toBe(code);
}

describe('VendService: select → QR payment → vend', () => {
  it('vends once paid: vend-pending journaled before the VEND, dispensed and stock −1 together', async () => {
    const rig = await startedKiosk();
    expect(rig.vending.kioskState().state).toBe('ready');
    expect(rig.journal.slotStock().get(1)).toBe(8);

    const purchase = await rig.vending.purchase(1);
    expect(purchase.payment).toMatchObject({ state: 'awaiting', method: 'qr', amountMinor: 450 });
    expect(purchase.payment.qrContent).toBeTruthy();
    const paymentIntentId = purchase.payment.paymentIntentId;
    expect(vendOf(rig, paymentIntentId)).toMatchObject({ vendIntentId: purchase.vendIntentId, state: 'selected', slot: 1, isFinal: false });
    // Nothing is vended before the money is in.
    await rig.clock.advance(5_000);
    expect(rig.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(0);

    rig.backend.customerPays(paymentIntentId);
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).isFinal);

    const vend = vendOf(rig, paymentIntentId);
    expect(vend).toMatchObject({ state: 'dispensed', slot: 1, refund: null });
    const vendFrames = rig.board.received.filter((frame) => frame.type === 'vend');
    expect(vendFrames).toHaveLength(1);
    expect(vend.sequence).toBe(vendFrames[0]?.seq);
    expect(rig.board.dropsBySlot.get(1)).toBe(1);
    expect(rig.journal.slotStock().get(1)).toBe(7);
    expect(rig.journal.intentHistory(vend.vendIntentId).map((event) => event.to)).toEqual(['selected', 'vend-pending', 'dispensed']);
    // The dispensed transition and the stock change are adjacent outbox rows (one transaction).
    const outbox = rig.journal.pendingOutbox(1000);
    const dispensedAt = outbox.findIndex((entry) => entry.kind === 'intent.transitioned' && (entry.payload as { to: string }).to === 'dispensed');
    expect(outbox[dispensedAt + 1]).toMatchObject({ kind: 'slot-stock.changed', payload: { slot: 1, quantity: 7 } });
    expect(rig.vendEvents.map((event) => event.vend?.state)).toEqual(expect.arrayContaining(['selected', 'vend-pending', 'dispensed']));
    expect(rig.backend.totalCharges()).toBe(1);
  });

  it('a jam is not-dispensed with its refund intent in the same transaction, and the refund is sent automatically', async () => {
    const rig = await startedKiosk({ fault: 'jam' });
    const purchase = await rig.vending.purchase(2);
    const paymentIntentId = purchase.payment.paymentIntentId;
    rig.backend.customerPays(paymentIntentId);
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).refund?.isFinal === true);

    const vend = vendOf(rig, paymentIntentId);
    expect(vend).toMatchObject({ state: 'not-dispensed', reason: 'jam', isFinal: true });
    expect(vend.refund).toMatchObject({ state: 'refunded', amountMinor: 400 });
    const refund = rig.journal.getIntent(vend.refund?.refundId ?? '');
    expect(refund).toMatchObject({ kind: 'refund', parentIntentId: paymentIntentId, amountMinor: 400, detail: { automatic: true, requestedBy: null, vendIntentId: vend.vendIntentId } });
    expect(rig.backend.refunds.get(refund.id)).toMatchObject({ paymentId: paymentIntentId, amountMinor: 400, state: 'refunded' });
    expect(rig.payments.status(paymentIntentId).refundableMinor).toBe(0);
    // Same transaction: the not-dispensed transition and the refund creation are adjacent outbox rows at the same instant.
    const outbox = rig.journal.pendingOutbox(1000);
    const failedAt = outbox.findIndex((entry) => entry.kind === 'intent.transitioned' && (entry.payload as { to: string }).to === 'not-dispensed');
    expect(outbox[failedAt + 1]).toMatchObject({ kind: 'intent.created', payload: { id: refund.id, kind: 'refund', state: 'refund-requested' } });
    expect(rig.journal.getIntent(vend.vendIntentId).updatedAtMs).toBe(refund.createdAtMs);
    expect(rig.journal.slotStock().get(2)).toBe(10);
  });

  it('keeps the automatic refund queued while the backend is unreachable, through a restart, until it is definite', async () => {
    const rig = await startedKiosk({ fault: 'motor-fault' });
    // The first two refund calls find the backend unreachable.
    rig.backend.fail('refund', 'unreachable', { times: 2 });
    const purchase = await rig.vending.purchase(1);
    const paymentIntentId = purchase.payment.paymentIntentId;
    rig.backend.customerPays(paymentIntentId);
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).state === 'not-dispensed' && rig.backend.callsOf('refund') >= 1);
    const queued = vendOf(rig, paymentIntentId);
    expect(queued).toMatchObject({ reason: 'motor-fault', refund: { state: 'refund-requested', isFinal: false, amountMinor: 450 } });

    // Power cut while the refund is queued: the next start resumes it with the same key.
    const next = await restarted(rig);
    await advanceUntil(next.clock, () => vendOf(next, paymentIntentId).refund?.state === 'refunded', 300_000);
    expect(next.backend.refunds.get(queued.refund?.refundId ?? '')).toMatchObject({ amountMinor: 450, state: 'refunded' });
    expect(next.backend.refunds.size).toBe(1);
    expect(next.backend.callsOf('refund')).toBeGreaterThanOrEqual(3);
    expect(next.backend.calls.filter((call) => call.method === 'refund').every((call) => call.id === queued.refund?.refundId)).toBe(true);
    expect(next.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(1);
  });

  it('rolls the not-dispensed outcome back when its refund cannot be journaled (one transaction), and settles it at the next start', async () => {
    // The refund id collides with the vend intent's own id: the refund insert fails.
    const rig = await startedKiosk({ fault: 'jam', ids: ['order-1', 'vend-1', 'vend-1'] });
    const purchase = await rig.vending.purchase(3);
    rig.backend.customerPays(purchase.payment.paymentIntentId);
    await advanceUntil(rig.clock, () => rig.board.received.some((frame) => frame.type === 'vend') && rig.store.findDirectVend('vend-1')?.state === 'not-dispensed');
    await rig.clock.advance(1_000);
    expect(rig.journal.getIntent('vend-1').state).toBe('vend-pending');
    expect(rig.journal.childIntents(purchase.payment.paymentIntentId).filter((child) => child.kind === 'refund')).toHaveLength(0);

    const next = await restarted(rig);
    const vend = vendOf(next, purchase.payment.paymentIntentId);
    expect(vend).toMatchObject({ state: 'not-dispensed', reason: 'jam' });
    await advanceUntil(next.clock, () => vendOf(next, purchase.payment.paymentIntentId).refund?.state === 'refunded');
    // The recorded outcome was reused: still one VEND on the wire.
    expect(next.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(1);
  });

  it('silence leaves the vend unknown; after a restart the board resolves it with the same sequence number (one drop)', async () => {
    const rig = await startedKiosk({ fault: 'silence' });
    const purchase = await rig.vending.purchase(1);
    const paymentIntentId = purchase.payment.paymentIntentId;
    rig.backend.customerPays(paymentIntentId);
    // The board takes the VEND (and will drop the product) but then answers nothing at all.
    await advanceUntil(rig.clock, () => rig.board.received.some((frame) => frame.type === 'vend'));
    rig.board.setFault('dead');
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).state === 'unknown');
    const sequence = vendOf(rig, paymentIntentId).sequence;
    expect(sequence).toBe(rig.board.received.find((frame) => frame.type === 'vend')?.seq);
    expect(rig.vending.kioskState().state).toBe('resolving');
    await expectRefused(rig.vending.purchase(2), 'resolving');
    expect(rig.journal.slotStock().get(1)).toBe(8);

    // Power cut of the terminal; the board comes back and still knows the vend.
    rig.board.setFault('none');
    const next = await restarted(rig);
    const vend = vendOf(next, paymentIntentId);
    expect(vend).toMatchObject({ state: 'dispensed', sequence });
    const statusQueries = next.board.received.filter((frame) => frame.type === 'status-of');
    expect(statusQueries.length).toBeGreaterThan(0);
    expect(statusQueries.every((frame) => 'seq' in frame && frame.seq === sequence)).toBe(true);
    expect(next.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(1);
    expect(next.board.totalDrops).toBe(1);
    expect(next.journal.slotStock().get(1)).toBe(7);
    expect(next.vending.kioskState().state).toBe('ready');
    expect(next.journal.intentHistory(vend.vendIntentId).map((event) => event.to)).toEqual(['selected', 'vend-pending', 'unknown', 'dispensed']);
  });

  it('a board that lost the vend (reset) resolves to not-dispensed + inspect: refund, slot out of sale', async () => {
    const rig = await startedKiosk({ fault: 'dead' });
    const purchase = await rig.vending.purchase(5);
    const paymentIntentId = purchase.payment.paymentIntentId;
    rig.backend.customerPays(paymentIntentId);
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).state === 'unknown');
    rig.board.setFault('none');
    // Resolution is retried on a timer while the kiosk refuses selections.
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).isFinal, 60_000);
    const vend = vendOf(rig, paymentIntentId);
    expect(vend).toMatchObject({ state: 'not-dispensed', reason: 'board-lost-state' });
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).refund?.state === 'refunded');
    expect(rig.vending.kioskState()).toMatchObject({ state: 'ready', slotsOutOfSale: [{ slot: 5 }] });
    await expectRefused(rig.vending.purchase(5), 'out-of-sale');
  });

  it('an expired payment vends nothing and cancels the selection', async () => {
    const rig = await startedKiosk();
    const purchase = await rig.vending.purchase(1);
    const paymentIntentId = purchase.payment.paymentIntentId;
    await advanceUntil(rig.clock, () => vendOf(rig, paymentIntentId).isFinal, 180_000);
    expect(rig.payments.status(paymentIntentId).state).toBe('expired');
    expect(vendOf(rig, paymentIntentId)).toMatchObject({ state: 'cancelled', refund: null });
    expect(rig.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(0);
    expect(rig.journal.slotStock().get(1)).toBe(8);
    // The kiosk sells again.
    const again = await rig.vending.purchase(1);
    expect(again.vendIntentId).toBeDefined();
  });

  it('refuses unknown, out-of-stock, out-of-sale slots and a second selection while one runs, with typed errors', async () => {
    const config = validateConfig(
      {
        planogram: {
          slots: [
            { slot: 1, productId: 'cola', capacity: 10, stock: 1 },
            { slot: 2, productId: 'water', capacity: 10, stock: 5, inSale: false },
          ],
        },
      },
      'test',
    );
    const rig = await startedKiosk({ config });
    await expectRefused(rig.vending.purchase(9), 'no-such-slot');
    await expectRefused(rig.vending.purchase(2), 'out-of-sale');
    const purchase = await rig.vending.purchase(1);
    await expectRefused(rig.vending.purchase(1), 'busy');
    rig.backend.customerPays(purchase.payment.paymentIntentId);
    await advanceUntil(rig.clock, () => vendOf(rig, purchase.payment.paymentIntentId).state === 'dispensed');
    await expectRefused(rig.vending.purchase(1), 'out-of-stock');
    expect(rig.vending.slotAvailability(config.planogram.slots[0]!)).toEqual({ stock: 0, sellable: false });
  });

  it('takes a slot out of sale after N failed vends in a row and says so', async () => {
    const rig = await startedKiosk({ fault: 'no-drop', maxFailuresInARow: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const purchase = await rig.vending.purchase(6);
      rig.backend.customerPays(purchase.payment.paymentIntentId);
      await advanceUntil(rig.clock, () => vendOf(rig, purchase.payment.paymentIntentId).refund?.isFinal === true);
    }
    expect(rig.vending.kioskState().slotsOutOfSale).toEqual([expect.objectContaining({ slot: 6, consecutiveFailures: 2 })]);
    expect(rig.vendEvents.at(-1)?.kiosk.slotsOutOfSale).toHaveLength(1);
    await expectRefused(rig.vending.purchase(6), 'out-of-sale');
    expect(rig.journal.slotStock().get(6)).toBe(5);
  });

  it('refunds a selection that was paid while the terminal was down instead of vending it', async () => {
    const rig = await startedKiosk();
    const purchase = await rig.vending.purchase(3);
    const paymentIntentId = purchase.payment.paymentIntentId;
    // The terminal dies with the QR on screen; the customer pays meanwhile.
    rig.backend.customerPays(paymentIntentId, false);
    const next = await restarted(rig);
    await advanceUntil(next.clock, () => vendOf(next, paymentIntentId).refund?.state === 'refunded');
    expect(vendOf(next, paymentIntentId)).toMatchObject({ state: 'not-dispensed', reason: 'not-vended-before-restart' });
    expect(next.board.received.filter((frame) => frame.type === 'vend')).toHaveLength(0);
  });
});
