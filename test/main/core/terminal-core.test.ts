import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult, TerminalEvent } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { FakeClock } from '../../support/fake-clock.js';

const fixtures: CoreFixture[] = [];
function fixture(...args: Parameters<typeof createCoreFixture>): CoreFixture {
  const created = createCoreFixture(...args);
  fixtures.push(created);
  return created;
}
afterEach(() => {
  for (const created of fixtures.splice(0)) created.close();
});

const logger = createSilentLogger();
function call(target: CoreFixture, name: unknown, input: unknown): Promise<CommandResult<unknown>> {
  return dispatchCommand(target.core.handlers, name, input, { transport: 'test' }, logger);
}
function expectError(result: CommandResult<unknown>, code: string): { message: string; details?: unknown } {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('expected an error');
  expect(result.error.code).toBe(code);
  return result.error;
}
async function login(target: CoreFixture, userId: string, pin: string): Promise<string> {
  const result = await call(target, 'auth.login', { userId, pin });
  if (!result.ok) throw new Error(result.error.message);
  return (result.value as { sessionId: string }).sessionId;
}

describe('command dispatch', () => {
  it('answers unknown commands and bad arguments with typed errors, never throws', async () => {
    const target = fixture();
    expectError(await call(target, 'sale.teleport', {}), 'not-found');
    expectError(await call(target, 42, {}), 'not-found');
    const unknownField = expectError(await call(target, 'system.status', { verbose: true }), 'invalid-argument');
    expect(unknownField.message).toMatch(/verbose: unknown field/);
    const badPin = expectError(await call(target, 'auth.login', { userId: 'cashier', pin: '12' }), 'invalid-argument');
    expect(badPin.message).toMatch(/pin: a PIN is 4 to 8 digits/);
    expectError(await call(target, 'sale.quote', 'not an object'), 'invalid-argument');
    expectError(await call(target, 'sale.quote', { lines: [{ productId: 'cola', quantity: -1 }] }), 'invalid-argument');
  });

  it('turns an unexpected failure inside a handler into an internal error', async () => {
    const target = fixture();
    target.journal.close();
    const result = await call(target, 'system.status', {});
    const error = expectError(result, 'internal');
    expect(error.message).toMatch(/details are in the log/);
  });
});

describe('operator log-in', () => {
  it('locks a user out after 5 wrong PINs, persistently, until the lockout ends', async () => {
    const clock = new FakeClock();
    const target = fixture({ clock });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const error = expectError(await call(target, 'auth.login', { userId: 'cashier', pin: '9999' }), 'unauthenticated');
      expect(error.message).toContain(`${5 - attempt} attempt(s) left`);
    }
    const locked = expectError(await call(target, 'auth.login', { userId: 'cashier', pin: '9999' }), 'locked-out');
    expect(locked.details).toEqual({ retryAfterSeconds: 300 });
    expectError(await call(target, 'auth.login', { userId: 'cashier', pin: '1111' }), 'locked-out');

    // A restart does not lift the lockout: it lives in the journal.
    target.close();
    const restarted = fixture({ clock, journalFile: target.journalFile });
    expectError(await call(restarted, 'auth.login', { userId: 'cashier', pin: '1111' }), 'locked-out');
    await clock.advance(300_000);
    expect((await call(restarted, 'auth.login', { userId: 'cashier', pin: '1111' })).ok).toBe(true);
    // Other users were never affected.
    expect((await call(restarted, 'auth.login', { userId: 'supervisor', pin: '2222' })).ok).toBe(true);
  });

  it('ends sessions on logout and after the idle timeout', async () => {
    const clock = new FakeClock();
    const target = fixture({ clock });
    const sessionId = await login(target, 'cashier', '1111');
    const sale = { sessionId, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 };
    expect((await call(target, 'sale.payCash', sale)).ok).toBe(true);
    await clock.advance(8 * 60 * 60 * 1000);
    expectError(await call(target, 'sale.payCash', sale), 'unauthenticated');
    const second = await login(target, 'cashier', '1111');
    expect(await call(target, 'auth.logout', { sessionId: second })).toEqual({ ok: true, value: { loggedOut: true } });
    expectError(await call(target, 'sale.payCash', { ...sale, sessionId: second }), 'unauthenticated');
  });
});

describe('cash sale', () => {
  it('journals the order and its paid cash intent before answering, and tells the UI', async () => {
    const target = fixture();
    const events: TerminalEvent[] = [];
    target.core.subscribe((event) => events.push(event));
    const sessionId = await login(target, 'cashier', '1111');
    const result = await call(target, 'sale.payCash', {
      sessionId,
      lines: [
        { productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['egg'] },
        { productId: 'cola', quantity: 2 },
      ],
      tenderedMinor: 5000,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const sale = result.value as { orderId: string; receiptNumber: string; totalMinor: number; changeMinor: number; paymentIntentId: string };
    expect(sale).toMatchObject({ receiptNumber: 'T-001-000001', totalMinor: 3000 + 900, changeMinor: 5000 - 3900 });
    expect(target.journal.findOrder(sale.orderId)).toMatchObject({ totalMinor: 3900, lineCount: 2 });
    expect(target.journal.getIntent(sale.paymentIntentId)).toMatchObject({ method: 'cash', state: 'paid', isFinal: true, amountMinor: 3900, detail: { tenderedMinor: 5000, changeMinor: 1100 } });
    expect(events.at(-1)).toMatchObject({ name: 'status.changed', payload: { queue: { depth: 2 } } });
  });

  it.each([
    ['a short tender', { lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 400 }, 'invalid-argument', /does not cover/],
    ['an unknown product', { lines: [{ productId: 'caviar', quantity: 1 }], tenderedMinor: 400 }, 'invalid-argument', /unknown product "caviar"/],
    ['a client-set price', { lines: [{ productId: 'cola', quantity: 1, priceMinor: 1 }], tenderedMinor: 1 }, 'invalid-argument', /priceMinor: unknown field/],
    ['a fractional tender', { lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450.5 }, 'invalid-argument', /tenderedMinor/],
  ])('refuses %s and records nothing', async (_label, input, code, message) => {
    const target = fixture();
    const sessionId = await login(target, 'cashier', '1111');
    const error = expectError(await call(target, 'sale.payCash', { sessionId, ...input }), code);
    expect(error.message).toMatch(message);
    expect(target.journal.countOrders()).toBe(0);
    expect(target.journal.outboxStats().depth).toBe(0);
  });

  it('lets only sellers sell, and never in kiosk mode', async () => {
    const counter = fixture();
    const technician = await login(counter, 'technician', '3333');
    expectError(await call(counter, 'sale.payCash', { sessionId: technician, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 }), 'forbidden');
    expectError(await call(counter, 'sale.payCash', { lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 }), 'unauthenticated');
    const kiosk = fixture({ mode: 'kiosk' });
    const cashier = await login(kiosk, 'cashier', '1111');
    expectError(await call(kiosk, 'sale.payCash', { sessionId: cashier, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 }), 'forbidden');
  });
});

describe('status and catalog', () => {
  it('reports queue depth, devices and slot prices', async () => {
    const target = fixture({ mode: 'kiosk' });
    const status = await call(target, 'system.status', {});
    expect(status).toMatchObject({ ok: true, value: { mode: 'kiosk', connectivity: 'online', backend: { kind: 'sandbox' }, queue: { depth: 0 } } });
    const catalog = await call(target, 'catalog.get', {});
    if (!catalog.ok) throw new Error(catalog.error.message);
    const slots = (catalog.value as { slots: { slot: number; priceMinor: number; sellable: boolean }[] }).slots;
    expect(slots.find((slot) => slot.slot === 5)).toMatchObject({ priceMinor: 400, sellable: true });
    expect(slots.find((slot) => slot.slot === 4)).toMatchObject({ sellable: false });
    const users = await call(target, 'users.list', {});
    expect(JSON.stringify(users)).not.toContain('scrypt');
  });
});
