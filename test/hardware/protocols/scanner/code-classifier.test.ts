import { describe, expect, it } from 'vitest';
import { classifyCode, gs1CheckDigitValid } from '../../../../hardware/protocols/scanner/code-classifier.js';
import { encodeCouponCode } from '../../../../hardware/protocols/scanner/coupon-code.js';
import { crc16Hex } from '../../../../kernel/crc16-ccitt-false.js';

/** Appends tag 63 with the correct CRC. */
const withCrc = (body: string) => `${body}6304${crc16Hex(`${body}6304`)}`;
/** One EMV TLV; the length counts characters (code points). */
const tlv = (id: string, value: string) => `${id}${String([...value].length).padStart(2, '0')}${value}`;
const emvBody = [
  tlv('00', '01'),
  tlv('01', '12'),
  tlv('26', tlv('00', 'A000000333') + tlv('01', '123456789')),
  tlv('52', '5812'),
  tlv('53', '156'),
  tlv('54', '1.50'),
  tlv('58', 'CN'),
  tlv('59', 'Cafe A'),
  tlv('60', 'Beijing'),
  tlv('64', tlv('00', 'ZH') + tlv('01', '咖啡小店') + tlv('02', '北京')),
].join('');
const emv = withCrc(emvBody);

describe('classifyCode: accepted', () => {
  it.each([
    ['Alipay 18 digits, prefix 28', '281234567890123456', { kind: 'payment-code', wallet: 'alipay' }],
    ['Alipay 16 digits, prefix 25', '2512345678901234', { kind: 'payment-code', wallet: 'alipay' }],
    ['Alipay 24 digits, prefix 30', '301234567890123456789012', { kind: 'payment-code', wallet: 'alipay' }],
    ['WeChat 18 digits, prefix 10', '101234567890123456', { kind: 'payment-code', wallet: 'wechat' }],
    ['WeChat 18 digits, prefix 13', '134567890123456789', { kind: 'payment-code', wallet: 'wechat' }],
    ['WeChat 18 digits, prefix 15', '151234567890123456', { kind: 'payment-code', wallet: 'wechat' }],
    ['UnionPay 19 digits, prefix 62', '6212345678901234567', { kind: 'payment-code', wallet: 'unionpay' }],
    ['EAN-13', '4006381333931', { kind: 'product', symbology: 'ean-13' }],
    ['EAN-13 Chinese prefix 690', '6901234567892', { kind: 'product', symbology: 'ean-13' }],
    ['UPC-A', '036000291452', { kind: 'product', symbology: 'upc-a' }],
    ['EAN-8', '96385074', { kind: 'product', symbology: 'ean-8' }],
    ['EMV MPM with Chinese alternate-language template', emv, { kind: 'emv-mpm', warnings: [] }],
    ['EMV MPM with lower-case CRC', `${emvBody}6304${crc16Hex(`${emvBody}6304`).toLowerCase()}`, { kind: 'emv-mpm' }],
    ['coupon', encodeCouponCode('2026SPRNG0001'), { kind: 'coupon', payload: '2026SPRNG0001' }],
  ])('%s', (_name, code, expected) => {
    expect(classifyCode(code)).toMatchObject(expected);
  });

  it('a national-profile EMV payload (field 00 = "02") is accepted with a warning', () => {
    const result = classifyCode(withCrc('000202010211' + '5802TH' + '5303764'));
    expect(result).toMatchObject({ kind: 'emv-mpm' });
    expect(result.kind === 'emv-mpm' && result.warnings[0]).toMatch(/national profile/);
  });

  it('EMV fields are returned by id', () => {
    const result = classifyCode(emv);
    expect(result.kind === 'emv-mpm' && Object.fromEntries(result.fields)).toMatchObject({ '00': '01', '01': '12', '53': '156', '54': '1.50', '59': 'Cafe A' });
  });
});

describe('classifyCode: rejected with a reason', () => {
  const crcFlipped = emv.slice(0, -1) + (emv.endsWith('0') ? '1' : '0');
  it.each([
    ['empty', '', 'empty'],
    ['huge', '1'.repeat(5000), 'too-long'],
    ['scanner suffix left on', '281234567890123456\r', 'control-characters'],
    ['GS1 FNC1 separator', '0109501101530003\u001d10ABC', 'control-characters'],
    ['WeChat prefix, 17 digits', '13456789012345678', 'payment-code-length'],
    ['WeChat prefix, 19 digits', '1345678901234567890', 'payment-code-length'],
    ['Alipay prefix, 15 digits', '281234567890123', 'payment-code-length'],
    ['Alipay prefix, 25 digits', '2812345678901234567890123', 'payment-code-length'],
    ['UnionPay prefix, 18 digits', '621234567890123456', 'payment-code-length'],
    ['prefix 31, 18 digits', '311234567890123456', 'unknown-format'],
    ['prefix 16, 18 digits', '161234567890123456', 'unknown-format'],
    ['EAN-13 bad check digit', '4006381333932', 'check-digit'],
    ['UPC-A bad check digit', '036000291453', 'check-digit'],
    ['EAN-8 bad check digit', '96385075', 'check-digit'],
    ['EMV with a flipped CRC', crcFlipped, 'emv-crc-mismatch'],
    ['EMV with an edited amount', emv.replace('54041.50', '54049.50'), 'emv-crc-mismatch'],
    ['EMV without CRC', '000201010211' + '5802CN', 'emv-crc-missing'],
    ['EMV with a length running past the end', '0002010102115899CN', 'emv-malformed'],
    ['EMV with a non-numeric header', '000201AB0211', 'emv-malformed'],
    ['EMV with a field after the CRC', `${emv}5802CN`, 'emv-malformed'],
    ['EMV with a duplicated field', withCrc('000201' + '5802CN' + '5802CN'), 'emv-malformed'],
    ['EMV with a non-hex CRC', '000201010211' + '6304XYZW', 'emv-malformed'],
    ['coupon with a wrong check', encodeCouponCode('2026SPRNG0001').replace(/.$/, (last) => (last === '0' ? '1' : '0')), 'coupon-check-mismatch'],
    ['coupon with a lower-case payload', 'CPN-2026sprng0001-0000', 'coupon-malformed'],
    ['coupon with a forbidden letter O', 'CPN-2026SPRONG01-0000', 'coupon-malformed'],
    ['coupon without check', 'CPN-2026SPRNG0001', 'coupon-malformed'],
    ['URL', 'https://qr.alipay.com/bax03431ljhokirwl38f00a7', 'unknown-format'],
    ['letters', 'HELLO-WORLD', 'unknown-format'],
  ])('%s → %s', (_name, code, reason) => {
    const result = classifyCode(code);
    expect(result).toMatchObject({ kind: 'rejected', reason });
    expect(result.kind === 'rejected' && result.detail.length).toBeGreaterThan(5);
  });

  it('the payment-code-length reason names the wallet and its lengths', () => {
    expect(classifyCode('13456789012345678')).toMatchObject({ detail: expect.stringMatching(/WeChat Pay.*17 digits.*18/) });
  });

  it('precedence: an 18-digit number starting 13 with a valid GS1 check (an SSCC label) is WeChat', () => {
    const sscc = '134567890123456783';
    expect(gs1CheckDigitValid(sscc)).toBe(true);
    expect(classifyCode(sscc)).toMatchObject({ kind: 'payment-code', wallet: 'wechat' });
  });
});

describe('encodeCouponCode', () => {
  it('refuses payloads outside the format', () => {
    expect(() => encodeCouponCode('SHORT')).toThrow(RangeError);
    expect(() => encodeCouponCode('HAS-DASH1')).toThrow(RangeError);
  });
  it('golden: check is CRC-16/CCITT-FALSE of "CPN-<payload>"', () => {
    expect(encodeCouponCode('ABCDEF')).toBe(`CPN-ABCDEF-${crc16Hex('CPN-ABCDEF')}`);
    expect(encodeCouponCode('ABCDEF')).toMatch(/^CPN-ABCDEF-[0-9A-F]{4}$/);
  });
});
