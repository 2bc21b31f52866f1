/**
 * Money is always an integer count of minor units (CNY: fen). Floats never hold money.
 * Every function here throws `MoneyError` on input that is not a safe, non-negative integer
 * amount (or a well-formed decimal string for `parseMajorToMinor`).
 */

export type CurrencyCode = 'CNY';

/** ISO 4217 facts for the currencies the terminal sells in. */
export const currencies = {
  CNY: { numeric: '156', minorDigits: 2, screenSymbol: '￥' },
} as const satisfies Record<CurrencyCode, { numeric: string; minorDigits: number; screenSymbol: string }>;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

export function assertMinorAmount(amountMinor: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new MoneyError(`${what} must be a whole number of minor units, got ${String(amountMinor)}`);
  }
  if (amountMinor < 0) {
    throw new MoneyError(`${what} must not be negative, got ${amountMinor}`);
  }
}

/** Sum of non-negative minor amounts; throws when the total leaves the safe-integer range. */
export function sumMinor(amountsMinor: readonly number[]): number {
  let total = 0;
  for (const amount of amountsMinor) {
    assertMinorAmount(amount);
    total += amount;
    if (!Number.isSafeInteger(total)) throw new MoneyError('total exceeds the largest representable amount');
  }
  return total;
}

export function multiplyMinor(unitMinor: number, quantity: number): number {
  assertMinorAmount(unitMinor, 'unit price');
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new MoneyError(`quantity must be a whole non-negative number, got ${String(quantity)}`);
  }
  const total = unitMinor * quantity;
  if (!Number.isSafeInteger(total)) throw new MoneyError('line total exceeds the largest representable amount');
  return total;
}

/** `1250` → `"12.50"` (no symbol, no grouping). Negative amounts get a leading minus. */
export function formatMinorAsDecimal(amountMinor: number, currency: CurrencyCode = 'CNY'): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new MoneyError(`amount must be a whole number of minor units, got ${String(amountMinor)}`);
  }
  const digits = currencies[currency].minorDigits;
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor).toString().padStart(digits + 1, '0');
  const major = absolute.slice(0, absolute.length - digits);
  const minor = absolute.slice(absolute.length - digits);
  return `${sign}${major}.${minor}`;
}

/** Screen format: `1250` → `"￥12.50"`, `-300` → `"-￥3.00"`. */
export function formatMoney(amountMinor: number, currency: CurrencyCode = 'CNY'): string {
  const decimal = formatMinorAsDecimal(amountMinor, currency);
  const symbol = currencies[currency].screenSymbol;
  return decimal.startsWith('-') ? `-${symbol}${decimal.slice(1)}` : `${symbol}${decimal}`;
}

const decimalPattern = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/** `"12.5"` → `1250`. Accepts at most two decimals and no sign, exponent or grouping. */
export function parseMajorToMinor(text: string, currency: CurrencyCode = 'CNY'): number {
  const match = decimalPattern.exec(text.trim());
  if (!match) {
    throw new MoneyError(`"${text}" is not an amount like 12.50 (digits, at most two decimals)`);
  }
  const digits = currencies[currency].minorDigits;
  const major = match[1] ?? '0';
  const minor = (match[2] ?? '').padEnd(digits, '0');
  const amountMinor = Number(major) * 10 ** digits + Number(minor);
  assertMinorAmount(amountMinor);
  return amountMinor;
}
