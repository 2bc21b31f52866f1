/**
 * Says what a scanned code is: a customer's wallet payment code, an EMV merchant-presented QR
 * payload, one of our coupons, a product barcode, or nothing we accept (with the reason).
 * Pure; the input is the code text as the scanner framed it (terminator removed, nothing trimmed).
 *
 * Rules (docs/payment-rules.md#code-formats):
 * - Alipay: 16–24 digits starting 25–30.
 * - WeChat Pay: 18 digits starting 10–15.
 * - UnionPay: 19 digits starting 62. Source: UnionPay's QR code payment specification for the
 *   consumer-presented (C2B) code, as acquirers' integration guides state it ("以62开头长度19位
 *   数字", e.g. the pay-way detection in the open-source Jeepay gateway). Bank card numbers that
 *   also start 62 are 16–19 digits but are not scanned from a phone screen.
 * - EMV MPM: starts `0002` (field 00, length 02) and is a sequence of top-level TLVs ending with
 *   tag 63 length 04 whose value equals CRC-16/CCITT-FALSE over everything before it, `6304`
 *   included (hex compared case-insensitively). Field 00 other than "01" is accepted with a
 *   warning (national profiles). Lengths count characters (code points), per EMVCo.
 * - Coupons: see coupon-code.ts (`CPN-<payload>-<check>`).
 * - Products: EAN-13 (13 digits), UPC-A (12) and EAN-8 (8) with a valid GS1 mod-10 check digit.
 *   UPC-E is not classified (scanners expand it to UPC-A by default).
 *
 * Precedence, first match wins: EMV (`0002…`) → coupon (`CPN-…`) → wallet payment code (exact
 * prefix AND length) → product barcode (8/12/13 digits) → rejection. Wallet lengths (16–24)
 * never equal product lengths (8, 12, 13), so digits cannot be both a wallet code and an EAN;
 * what does collide is an 18-digit number starting 10–15 that is not a WeChat code, e.g. a
 * GS1 SSCC shipping label (18 digits, mod-10 check): it is classified as WeChat, because SSCCs
 * are not sold at a counter and the wallet rejects a code it did not issue. A digit string with
 * a wallet prefix and a wrong length is rejected as `payment-code-length`, naming the wallet.
 */
import { crc16Hex } from '../../../kernel/crc16-ccitt-false.js';
import { checkCouponCode } from './coupon-code.js';

export type Wallet = 'alipay' | 'wechat' | 'unionpay';
export type ProductSymbology = 'ean-13' | 'upc-a' | 'ean-8';

export type RejectionReason =
  | 'empty'
  | 'too-long'
  | 'control-characters'
  | 'emv-malformed'
  | 'emv-crc-missing'
  | 'emv-crc-mismatch'
  | 'coupon-malformed'
  | 'coupon-check-mismatch'
  | 'payment-code-length'
  | 'check-digit'
  | 'unknown-format';

export type ClassifiedCode =
  | { readonly kind: 'payment-code'; readonly wallet: Wallet; readonly code: string }
  | { readonly kind: 'emv-mpm'; readonly payload: string; readonly fields: ReadonlyMap<string, string>; readonly warnings: readonly string[] }
  | { readonly kind: 'coupon'; readonly code: string; readonly payload: string }
  | { readonly kind: 'product'; readonly symbology: ProductSymbology; readonly code: string }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly detail: string };

/** Longest text classified; EMV payloads are ≤ 512 characters, wallet codes ≤ 24. */
export const maxClassifiedLength = 4096;

interface WalletRule {
  readonly wallet: Wallet;
  readonly name: string;
  readonly prefixes: readonly number[];
  readonly lengths: readonly number[];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

export const walletRules: readonly WalletRule[] = [
  { wallet: 'alipay', name: 'Alipay', prefixes: range(25, 30), lengths: range(16, 24) },
  { wallet: 'wechat', name: 'WeChat Pay', prefixes: range(10, 15), lengths: [18] },
  { wallet: 'unionpay', name: 'UnionPay', prefixes: [62], lengths: [19] },
];

const productLengths: ReadonlyMap<number, ProductSymbology> = new Map([
  [13, 'ean-13'],
  [12, 'upc-a'],
  [8, 'ean-8'],
]);

const rejected = (reason: RejectionReason, detail: string): ClassifiedCode => ({ kind: 'rejected', reason, detail });

/** GS1 mod-10: weights 3,1,3,… from the digit left of the check digit. */
export function gs1CheckDigitValid(digits: string): boolean {
  let sum = 0;
  for (let index = digits.length - 2, weight = 3; index >= 0; index -= 1, weight = 4 - weight) sum += Number(digits[index]) * weight;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

export function classifyCode(text: string): ClassifiedCode {
  if (text.length === 0) return rejected('empty', 'nothing was scanned');
  if (text.length > maxClassifiedLength) return rejected('too-long', `${text.length} characters; at most ${maxClassifiedLength}`);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const control = /[\u0000-\u001f\u007f]/.exec(text);
  if (control) {
    return rejected('control-characters', `contains control character 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at ${control.index} (scanner prefix/suffix or GS1 FNC1 not stripped?)`);
  }
  if (text.startsWith('0002')) return classifyEmv(text);
  if (text.startsWith('CPN-')) {
    const coupon = checkCouponCode(text);
    return coupon.ok ? { kind: 'coupon', code: text, payload: coupon.payload } : rejected(coupon.reason, coupon.detail);
  }
  if (/^[0-9]+$/.test(text)) return classifyDigits(text);
  return rejected('unknown-format', 'not a payment code, EMV QR, coupon or product barcode');
}

function classifyDigits(digits: string): ClassifiedCode {
  const prefix = Number(digits.slice(0, 2));
  const walletByPrefix = walletRules.find((rule) => rule.prefixes.includes(prefix));
  if (walletByPrefix?.lengths.includes(digits.length)) return { kind: 'payment-code', wallet: walletByPrefix.wallet, code: digits };
  const symbology = productLengths.get(digits.length);
  if (symbology) {
    return gs1CheckDigitValid(digits) ? { kind: 'product', symbology, code: digits } : rejected('check-digit', `${digits.length} digits like ${symbology.toUpperCase()} but the check digit is wrong`);
  }
  if (walletByPrefix) {
    const lengths = walletByPrefix.lengths;
    const expected = lengths.length === 1 ? `${lengths[0]}` : `${lengths[0]}–${lengths[lengths.length - 1]}`;
    return rejected('payment-code-length', `starts ${digits.slice(0, 2)} like a ${walletByPrefix.name} code but has ${digits.length} digits; ${walletByPrefix.name} codes have ${expected}`);
  }
  return rejected('unknown-format', `${digits.length} digits with prefix ${digits.slice(0, 2)} match no payment code or product barcode`);
}

function classifyEmv(payload: string): ClassifiedCode {
  const chars = [...payload];
  const fields = new Map<string, string>();
  const warnings: string[] = [];
  let index = 0;
  let crcStart = -1;
  while (index < chars.length) {
    const id = chars.slice(index, index + 2).join('');
    const lengthText = chars.slice(index + 2, index + 4).join('');
    if (!/^[0-9]{2}$/.test(id) || !/^[0-9]{2}$/.test(lengthText)) {
      return rejected('emv-malformed', `bad TLV header at character ${index}`);
    }
    const length = Number(lengthText);
    if (index + 4 + length > chars.length) return rejected('emv-malformed', `field ${id} claims ${length} characters; only ${chars.length - index - 4} remain`);
    if (fields.has(id)) return rejected('emv-malformed', `field ${id} appears twice`);
    if (id === '63') crcStart = index;
    fields.set(id, chars.slice(index + 4, index + 4 + length).join(''));
    index += 4 + length;
    if (id === '63' && index !== chars.length) return rejected('emv-malformed', 'field 63 (CRC) must be the last field');
  }
  if (crcStart < 0) return rejected('emv-crc-missing', 'no field 63 (CRC)');
  const crc = fields.get('63') ?? '';
  if (!/^[0-9A-Fa-f]{4}$/.test(crc)) return rejected('emv-malformed', 'field 63 must hold 4 hex digits');
  const expected = crc16Hex(`${chars.slice(0, crcStart).join('')}6304`);
  if (crc.toUpperCase() !== expected) return rejected('emv-crc-mismatch', `CRC ${crc.toUpperCase()} does not match ${expected}`);
  const formatIndicator = fields.get('00');
  if (formatIndicator !== '01') warnings.push(`payload format indicator is "${formatIndicator}", not "01" (national profile?)`);
  return { kind: 'emv-mpm', payload, fields, warnings };
}
