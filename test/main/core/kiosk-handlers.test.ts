import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogView, CommandResult, PaymentView, TerminalEvent, VendStatusView } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { TerminalEvents } from '../../../main/core/terminal-events.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { FakeClock } from '../../support/fake-clock.js';
import { advanceUntil, createKioskRig, type KioskRig } from '../../support/kiosk-rig.js';

const logger = createSilentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A kiosk core built from the rig's payment and vend services, as start-terminal builds it (hub, services, core). */
async function kioskCore(options: { withVending?: boolean } = {}): Promise<{ fixture: CoreFixture; rig: KioskRig; events: TerminalEvent[]; call: (name: string, input: unknown) => Promise<CommandResult<unknown>> }> {
  const clock = new FakeClock();
  const hub = new TerminalEvents(logger, 'online');
  const rig = await createKioskRig({
    clock,
    onPaymentChanged: (view) => hub.publish({ name: 'payment.changed', payload: view }),
    onVendChanged: (status) => hub.publish({ name: 'vend.changed', payload: status }),
  });
  cleanups.push(() => rig.close());
  const fixture = createCoreFixture({
    mode: 'kiosk',
    journalFile: rig.journalFile,
    clock,
    events: hub,
    services: () => ({ payments: rig.payments, vending: options.withVending === false ? undefined : rig.vending }),
  });
  cleanups.push(() => fixture.close());
  const events: TerminalEvent[] = [];
  fixture.core.subscribe((event) => events.push(event));
  if (options.withVending !== false) {
    let started = false;
    void rig.vending.start().then(() => (started = true));
    await advanceUntil(clock, () => started);
  }
  const call = (name: string, input: unknown) => dispatchCommand(fixture.core.handlers, name, input, { transport: 'test' }, logger);
  return { fixture, rig, events, call };
}

function value<T>(result: CommandResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function errorCode(result: CommandResult<unknown>): string {
  return result.ok ? 'ok' : result.error.code;
}

describe('kiosk commands through the dispatcher', () => {
  it('purchases a slot by QR, vends when paid, and the catalog shows the live stock', async () => {
    const { rig, events, call } = await kioskCore();
    expect(value<VendStatusView>(await call('kiosk.vendStatus', {})).kiosk.state).toBe('ready');
    const purchase = value<{ payment: PaymentView; vendIntentId?: string }>(await call('kiosk.purchase', { slot: 1 }));
    expect(purchase.payment).toMatchObject({ state: 'awaiting', method: 'qr', amountMinor: 450 });
    expect(purchase.vendIntentId).toEqual(expect.any(String));
    const paymentIntentId = purchase.payment.paymentIntentId;

    rig.backend.customerPays(paymentIntentId);
    const vendState = async () => value<VendStatusView>(await call('kiosk.vendStatus', { paymentIntentId })).vend?.state;
    let state: string | undefined;
    await advanceUntil(rig.clock, () => {
      void vendState().then((current) => (state = current));
      return state === 'dispensed';
    });

    const catalog = value<CatalogView>(await call('catalog.get', {}));
    expect(catalog.slots.find((slot) => slot.slot === 1)).toMatchObject({ stock: 7, sellable: true });
    expect(catalog.slots.find((slot) => slot.slot === 4)).toMatchObject({ stock: 0, sellable: false });
    const vendEvents = events.filter((event): event is Extract<TerminalEvent, { name: 'vend.changed' }> => event.name === 'vend.changed');
    expect(vendEvents.map((event) => event.payload.vend?.state)).toEqual(expect.arrayContaining(['selected', 'vend-pending', 'dispensed']));
    expect(events.some((event) => event.name === 'payment.changed' && event.payload.state === 'paid')).toBe(true);
  });

  it('answers typed errors: sold out and out of sale are conflict, an unknown slot not-found, a bad slot invalid-argument', async () => {
    const { call } = await kioskCore();
    const soldOut = await call('kiosk.purchase', { slot: 4 });
    expect(errorCode(soldOut)).toBe('conflict');
    expect(soldOut.ok ? '' : soldOut.error.message).toContain('sold out');
    expect(errorCode(await call('kiosk.purchase', { slot: 99 }))).toBe('not-found');
    expect(errorCode(await call('kiosk.purchase', { slot: 0 }))).toBe('invalid-argument');
    expect(errorCode(await call('kiosk.purchase', { slot: 1, price: 1 }))).toBe('invalid-argument');
    expect(errorCode(await call('kiosk.vendStatus', { paymentIntentId: 'nope' }))).toBe('not-found');
    const first = await call('kiosk.purchase', { slot: 2 });
    expect(first.ok).toBe(true);
    const second = await call('kiosk.purchase', { slot: 3 });
    expect(second.ok ? null : second.error).toMatchObject({ code: 'conflict', retryable: true });
  });

  it('answers unavailable while vending is not set up', async () => {
    const { call } = await kioskCore({ withVending: false });
    const result = await call('kiosk.purchase', { slot: 1 });
    expect(result.ok ? null : result.error).toMatchObject({ code: 'unavailable' });
  });
});
