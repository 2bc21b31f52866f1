import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultOfflineAcceptancePolicy } from '../../../main/payments/offline-acceptance.js';
import { offlineTotals, VerifyingOfflineCodeAcceptor } from '../../../main/payments/offline-code-acceptor.js';
import { OperatorSessions } from '../../../main/auth/operator-sessions.js';
import { defaultConfig } from '../../../main/config/load-config.js';
import { PaymentService, PaymentServiceError } from '../../../main/payments/payment-service.js';
import { generateOfflineCodeKeyPair, issueOfflineCode } from '../../../sync/protocol/offline-code.js';
import { createPaymentHarness, type PaymentHarness } from '../../support/payment-harness.js';

const harnesses: PaymentHarness[] = [];
afterEach(() => {
  for (const created of harnesses.splice(0)) created.close();
});

const keys = generateOfflineCodeKeyPair();
const otherKeys = generateOfflineCodeKeyPair();

function setup() {
  const h = createPaymentHarness();
  harnesses.push(h);
  const service = new PaymentService({
    journal: h.journal,
    sessions: new OperatorSessions(defaultConfig().users, h.journal, h.clock, { maxAttempts: 5, lockoutMs: 300_000 }),
    backend: h.backend,
    clock: h.clock,
    timers: h.clock,
    logger: h.context.logger,
    // The backend is out of reach: offline codes are the only wallet payments accepted.
    connectivity: () => 'offline',
    offlineCodes: new VerifyingOfflineCodeAcceptor(() => new Map([['wallet-1', keys.publicKeyPem]]), defaultOfflineAcceptancePolicy),
  });
  const code = (options: { limitMinor?: number; privateKey?: string; expiresInMs?: number } = {}) =>
    issueOfflineCode({ privateKey: options.privateKey ?? keys.privateKeyPem, keyId: 'wallet-1', payerId: 'payer-1', amountLimitMinor: options.limitMinor ?? 50_000, issuedAtMs: h.clock.nowMs(), expiresAtMs: h.clock.nowMs() + (options.expiresInMs ?? 3_600_000) });
  const sell = (amountMinor: number, scanned: string) =>
    service.startPayment({ order: { id: randomUUID(), terminalId: 'T-001', mode: 'counter', userId: null, lines: [], totalMinor: amountMinor, currency: 'CNY' }, method: 'code', code: scanned, description: 'x' });
  return { h, service, code, sell };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaymentServiceError);
  return (error as PaymentServiceError).message;
}

describe('offline acceptance of signed customer codes', () => {
  it('accepts a valid code under the caps as accepted-offline, journaled with the code for forwarding', async () => {
    const s = setup();
    const scanned = s.code();
    const started = await s.sell(12_000, scanned);
    expect(started.payment).toMatchObject({ state: 'accepted-offline', isFinal: false, method: 'offline-code', amountMinor: 12_000 });
    const intent = s.h.journal.getIntent(started.payment.paymentIntentId);
    expect(intent.detail.offlineCode).toBe(scanned);
    expect(intent.detail.payerId).toBe('payer-1');
    expect(s.h.backend.calls).toEqual([]);
    expect(offlineTotals(s.h.journal, defaultOfflineAcceptancePolicy)).toMatchObject({ pendingCount: 1, pendingMinor: 12_000, perPaymentCapMinor: 20_000, totalStoredCapMinor: 200_000 });
  });

  it('refuses a bad signature, an expired code, a spent code, and amounts over the payer limit or the caps', async () => {
    const s = setup();
    expect(await refusal(s.sell(100, s.code({ privateKey: otherKeys.privateKeyPem })))).toMatch(/signature/);
    const expiring = s.code({ expiresInMs: 5 });
    await s.h.clock.advance(10);
    expect(await refusal(s.sell(100, expiring))).toMatch(/expired/);
    expect(await refusal(s.sell(3_000, s.code({ limitMinor: 2_000 })))).toMatch(/at most/);
    expect(await refusal(s.sell(20_001, s.code()))).toMatch(/limited to/);
    const once = s.code();
    await s.sell(100, once);
    expect(await refusal(s.sell(100, once))).toMatch(/already paid/);
    for (let index = 0; index < 9; index += 1) await s.sell(20_000, s.code());
    expect(await refusal(s.sell(20_000, s.code()))).toMatch(/already waiting to be forwarded/);
    expect(s.h.journal.intentsInState('accepted-offline')).toHaveLength(10);
  });

  it('never accepts a code again once its payment was forwarded and settled (the code is spent for good)', async () => {
    const s = setup();
    const scanned = s.code();
    const first = await s.sell(800, scanned);
    s.service.settleOfflinePayment(first.payment.paymentIntentId, { status: 'settled', rejection: null, firstSpentByPaymentId: null });
    expect(s.h.journal.intentsInState('accepted-offline')).toHaveLength(0);
    const ordersBefore = s.h.journal.countOrders();
    for (let replay = 0; replay < 3; replay += 1) expect(await refusal(s.sell(800, scanned))).toMatch(/already paid on this terminal/);
    expect(s.h.journal.countOrders()).toBe(ordersBefore);
  });

  it('applies the backend verdict after forwarding: settled, or rejected as a double spend (shown, never hidden)', async () => {
    const s = setup();
    const first = await s.sell(500, s.code());
    const second = await s.sell(700, s.code());
    s.service.settleOfflinePayment(first.payment.paymentIntentId, { status: 'settled', rejection: null, firstSpentByPaymentId: null });
    s.service.settleOfflinePayment(second.payment.paymentIntentId, { status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: 'elsewhere' });
    // A replayed verdict changes nothing.
    s.service.settleOfflinePayment(first.payment.paymentIntentId, { status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: null });
    expect(s.service.status(first.payment.paymentIntentId).state).toBe('settled');
    const rejected = s.service.status(second.payment.paymentIntentId);
    expect(rejected).toMatchObject({ state: 'rejected', isFinal: true });
    expect(rejected.reason).toMatch(/double-spend/);
    expect(s.h.history(second.payment.paymentIntentId)).toEqual(['accepted-offline', 'rejected']);
  });
});
