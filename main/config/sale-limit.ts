/**
 * The largest amount one sale may carry (`limits.maxSaleMinor`), so a mistyped total (an extra
 * zero or two) is refused before any money moves. Pure: the payment service calls
 * `checkSaleAmount` with the order total before it records a payment intent, and turns a refusal
 * into its own `invalid-argument` error with the message as is.
 */
import { formatMoney } from '../../kernel/money.js';

/** ￥50,000.00 in fen. */
export const defaultMaxSaleMinor = 5_000_000;

export interface SaleLimits {
  /** Largest total of one sale in minor units (fen); at least 1. */
  readonly maxSaleMinor: number;
}

export type SaleLimitRefusalCode = 'invalid-amount' | 'over-sale-limit';

export type SaleLimitVerdict = { readonly ok: true } | { readonly ok: false; readonly code: SaleLimitRefusalCode; readonly message: string };

/** Whether a sale of AMOUNTMINOR may proceed under LIMITS; never throws. */
export function checkSaleAmount(amountMinor: number, limits: SaleLimits): SaleLimitVerdict {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    return { ok: false, code: 'invalid-amount', message: `a sale amount is a whole, non-negative number of fen, got ${String(amountMinor)}` };
  }
  if (amountMinor > limits.maxSaleMinor) {
    return {
      ok: false,
      code: 'over-sale-limit',
      message: `the sale of ${formatMoney(amountMinor)} is over this terminal's limit of ${formatMoney(limits.maxSaleMinor)} per sale (limits.maxSaleMinor)`,
    };
  }
  return { ok: true };
}
