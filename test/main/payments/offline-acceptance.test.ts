import { describe, expect, it } from 'vitest';
import { decideOfflineAcceptance, defaultOfflineAcceptancePolicy, type OfflineAcceptanceRequest } from '../../../main/payments/offline-acceptance.js';

const nowMs = Date.UTC(2026, 10, 25, 12, 0, 0);
const hourMs = 60 * 60 * 1000;
const claims = { keyId: 'k', payerId: 'p', codeId: '00'.repeat(16), amountLimitMinor: 50_000, issuedAtMs: nowMs - 60_000, expiresAtMs: nowMs + 60_000 };
const base: OfflineAcceptanceRequest = { claims, amountMinor: 1250, storedTotalMinor: 0, oldestStoredAgeMs: null, nowMs };

describe('offline acceptance policy', () => {
  it('defaults to CNY 200 per payment, CNY 2,000 stored and 24 h', () => {
    expect(defaultOfflineAcceptancePolicy).toEqual({ perPaymentCapMinor: 20_000, totalStoredCapMinor: 200_000, maxAgeMs: 24 * hourMs });
  });

  it('accepts within every cap and reports the new stored total', () => {
    expect(decideOfflineAcceptance({ ...base, storedTotalMinor: 10_000, oldestStoredAgeMs: hourMs })).toEqual({ decision: 'accept', storedTotalAfterMinor: 11_250 });
  });

  it('accepts exactly at the caps', () => {
    expect(decideOfflineAcceptance({ ...base, amountMinor: 20_000, storedTotalMinor: 180_000 })).toEqual({ decision: 'accept', storedTotalAfterMinor: 200_000 });
    expect(decideOfflineAcceptance({ ...base, oldestStoredAgeMs: 24 * hourMs }).decision).toBe('accept');
  });

  it.each([
    ['invalid-amount', { amountMinor: 0 }],
    ['invalid-amount', { amountMinor: 12.5 }],
    ['over-per-payment-cap', { amountMinor: 20_001 }],
    ['over-total-stored-cap', { storedTotalMinor: 190_000, amountMinor: 10_001 }],
    ['stored-payments-too-old', { oldestStoredAgeMs: 24 * hourMs + 1 }],
    ['over-payer-limit', { claims: { ...claims, amountLimitMinor: 1000 } }],
    ['code-expired', { nowMs: claims.expiresAtMs }],
    ['code-too-old', { claims: { ...claims, issuedAtMs: nowMs - 25 * hourMs, expiresAtMs: nowMs + hourMs } }],
    ['code-already-used', { codeIdAlreadyStored: true }],
  ] as const)('refuses with %s', (reason, change) => {
    const decision = decideOfflineAcceptance({ ...base, ...change });
    expect(decision).toMatchObject({ decision: 'refuse', reason });
  });

  it('applies a configured policy instead of the defaults', () => {
    const policy = { perPaymentCapMinor: 1000, totalStoredCapMinor: 5000, maxAgeMs: hourMs };
    expect(decideOfflineAcceptance({ ...base, policy })).toMatchObject({ decision: 'refuse', reason: 'over-per-payment-cap' });
    expect(decideOfflineAcceptance({ ...base, amountMinor: 1000, policy })).toEqual({ decision: 'accept', storedTotalAfterMinor: 1000 });
  });

  it('names the limits in money format in its message', () => {
    const decision = decideOfflineAcceptance({ ...base, amountMinor: 25_000 });
    expect(decision.decision === 'refuse' && decision.message).toContain('￥200.00');
  });
});
