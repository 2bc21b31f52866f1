/**
 * Our own coupon codes, as printed on e-coupons and receipts and scanned back. Pure.
 *
 * Format: `CPN-<payload>-<check>`
 * - `payload`: 6 to 32 characters of Crockford base32 (0-9 and A-Z without I, L, O, U), upper case;
 *   the issuer decides what it encodes (campaign + serial); the terminal treats it as opaque.
 * - `check`: CRC-16/CCITT-FALSE over the ASCII text `CPN-<payload>`, 4 upper-case hex digits
 *   (the same CRC as EMV QR tag 63). It catches every single-character and adjacent-swap error,
 *   so a mistyped or misread code is refused at the counter instead of at the backend.
 * Example: encodeCouponCode('2026SPRNG0001') → 'CPN-2026SPRNG0001-' + crc16Hex('CPN-2026SPRNG0001').
 * The check makes a code well-formed, not genuine: the backend still validates and redeems it.
 */
import { crc16Hex } from '../../../kernel/crc16-ccitt-false.js';

export const couponPayloadPattern = /^[0-9A-HJKMNP-TV-Z]{6,32}$/;

export type CouponCodeCheck =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly reason: 'coupon-malformed' | 'coupon-check-mismatch'; readonly detail: string };

export function encodeCouponCode(payload: string): string {
  if (!couponPayloadPattern.test(payload)) throw new RangeError('a coupon payload is 6 to 32 characters of Crockford base32 (0-9, A-Z without I L O U)');
  return `CPN-${payload}-${crc16Hex(`CPN-${payload}`)}`;
}

/** Checks a text that starts with `CPN-`. */
export function checkCouponCode(text: string): CouponCodeCheck {
  const match = /^CPN-([^-]*)-([^-]*)$/.exec(text);
  if (!match) return { ok: false, reason: 'coupon-malformed', detail: 'expected CPN-<payload>-<check>' };
  const payload = match[1] ?? '';
  const check = match[2] ?? '';
  if (!couponPayloadPattern.test(payload)) {
    return { ok: false, reason: 'coupon-malformed', detail: 'payload must be 6 to 32 characters of 0-9 and A-Z without I, L, O, U' };
  }
  if (!/^[0-9A-F]{4}$/.test(check)) return { ok: false, reason: 'coupon-malformed', detail: 'check must be 4 upper-case hex digits' };
  const expected = crc16Hex(`CPN-${payload}`);
  if (check !== expected) return { ok: false, reason: 'coupon-check-mismatch', detail: `check ${check} does not match ${expected}` };
  return { ok: true, payload };
}
