/**
 * Whether the terminal may accept a verified offline payment code while the backend is out of
 * reach (docs/offline-rules.md#accepting-an-offline-code). Pure: the caller verifies the signature
 * (sync/protocol/offline-code.ts), reads its stored offline total and oldest entry from the journal,
 * and passes the time in. Caps follow the card world's store-and-forward practice (docs/offline-rules.md#caps:
 * Stripe Terminal per-payment and stored caps, Square's 24 h upload window).
 */
import { formatMoney } from '../../kernel/money.js';
import type { OfflineCodeClaims } from '../../sync/protocol/offline-code-claims.js';

export interface OfflineAcceptancePolicy {
  /** Largest single offline payment, fen. */
  readonly perPaymentCapMinor: number;
  /** Largest total of offline payments waiting to be forwarded, this one included, fen. */
  readonly totalStoredCapMinor: number;
  /**
   * Oldest an unforwarded offline payment may be before the terminal stops accepting more, and
   * oldest a code may be (since it was issued) to be accepted at all, milliseconds.
   */
  readonly maxAgeMs: number;
}

/** CNY 200 per payment, CNY 2,000 stored, 24 h. */
export const defaultOfflineAcceptancePolicy: OfflineAcceptancePolicy = {
  perPaymentCapMinor: 20_000,
  totalStoredCapMinor: 200_000,
  maxAgeMs: 24 * 60 * 60 * 1000,
};

export type OfflineRefusalReason =
  | 'invalid-amount'
  | 'code-expired'
  | 'code-too-old'
  | 'code-already-used'
  | 'over-payer-limit'
  | 'over-per-payment-cap'
  | 'over-total-stored-cap'
  | 'stored-payments-too-old';

export type OfflineAcceptanceDecision =
  | { readonly decision: 'accept'; /** The stored offline total once this payment is stored, fen. */ readonly storedTotalAfterMinor: number }
  | { readonly decision: 'refuse'; readonly reason: OfflineRefusalReason; readonly message: string };

export interface OfflineAcceptanceRequest {
  /** Claims of a code whose signature has been verified. */
  readonly claims: OfflineCodeClaims;
  /** The sale amount, fen. */
  readonly amountMinor: number;
  /** Offline payments accepted and not yet forwarded, fen. */
  readonly storedTotalMinor: number;
  /** Age of the oldest unforwarded offline payment, ms; null when none is stored. */
  readonly oldestStoredAgeMs: number | null;
  /** True when the journal already holds a payment with this code's `codeId`. */
  readonly codeIdAlreadyStored?: boolean;
  readonly nowMs: number;
  readonly policy?: OfflineAcceptancePolicy;
}

function refuse(reason: OfflineRefusalReason, message: string): OfflineAcceptanceDecision {
  return { decision: 'refuse', reason, message };
}

/**
 * Checks run in a fixed order; the first that fails is the refusal reported. A code issued slightly
 * in the future (clock skew) is the verifier's call (`verifyOfflineCode`); here its age counts as 0.
 */
export function decideOfflineAcceptance(request: OfflineAcceptanceRequest): OfflineAcceptanceDecision {
  const { claims, amountMinor, storedTotalMinor, oldestStoredAgeMs, nowMs } = request;
  const policy = request.policy ?? defaultOfflineAcceptancePolicy;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return refuse('invalid-amount', `amount must be a positive number of fen, got ${String(amountMinor)}`);
  if (nowMs >= claims.expiresAtMs) return refuse('code-expired', 'the code has expired: ask the customer for a fresh one');
  if (nowMs - claims.issuedAtMs > policy.maxAgeMs) return refuse('code-too-old', 'the code was issued too long ago for offline acceptance');
  if (request.codeIdAlreadyStored === true) return refuse('code-already-used', 'this code has already paid on this terminal');
  if (amountMinor > claims.amountLimitMinor) {
    return refuse('over-payer-limit', `the code allows at most ${formatMoney(claims.amountLimitMinor)}, the sale is ${formatMoney(amountMinor)}`);
  }
  if (amountMinor > policy.perPaymentCapMinor) {
    return refuse('over-per-payment-cap', `offline payments are limited to ${formatMoney(policy.perPaymentCapMinor)} each`);
  }
  const storedTotalAfterMinor = storedTotalMinor + amountMinor;
  if (storedTotalAfterMinor > policy.totalStoredCapMinor) {
    return refuse('over-total-stored-cap', `${formatMoney(storedTotalMinor)} is already waiting to be forwarded; the limit is ${formatMoney(policy.totalStoredCapMinor)}`);
  }
  if (oldestStoredAgeMs !== null && oldestStoredAgeMs > policy.maxAgeMs) {
    return refuse('stored-payments-too-old', 'offline payments have waited too long to be forwarded: reconnect before accepting more');
  }
  return { decision: 'accept', storedTotalAfterMinor };
}
