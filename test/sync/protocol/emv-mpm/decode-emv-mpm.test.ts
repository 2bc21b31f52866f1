import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16Hex } from '../../../../kernel/crc16-ccitt-false.js';
import { decodeEmvMpm } from '../../../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { publicEmvPayloads, publicInvalidEmvPayloads } from './public-emv-payloads.js';

/** Replaces the CRC of `payload` (which must end in 6304XXXX) with the right one. */
function withFreshCrc(payloadWithoutCrc: string): string {
  return payloadWithoutCrc + crc16Hex(payloadWithoutCrc);
}

const specExample = publicEmvPayloads[0]!.payload;
const payMaya = publicEmvPayloads[1]!.payload;
const codes = (issues: readonly { code: string }[]) => issues.map((issue) => issue.code);
/** Six full merchant account templates (103 characters each): enough to push a payload past 512 characters. */
const sixLongAccounts = Array.from({ length: 6 }, (_, index) => `${26 + index}990015com.example.one0176${'X'.repeat(76)}`).join('');

describe('decodeEmvMpm on public payloads', () => {
  it.each(publicEmvPayloads.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const result = decodeEmvMpm(entry.payload);
    expect(result.errors).toEqual([]);
    expect({
      valid: result.valid,
      pointOfInitiation: result.pointOfInitiation,
      mcc: result.mcc,
      currency: result.currency,
      amount: result.amount,
      country: result.country,
      merchantName: result.merchantName,
      merchantCity: result.merchantCity,
      crc: result.crc,
      warnings: codes(result.warnings),
    }).toEqual(entry.expected);
    expect(result.computedCrc).toBe(entry.expected.crc);
  });

  it('reads the EMVCo example templates as nested objects, Chinese lengths in characters', () => {
    const result = decodeEmvMpm(specExample);
    expect(result.tags).toEqual({
      '00': '01',
      '01': '12',
      '29': { '00': 'D15600000000', '05': 'A93FO3230Q' },
      '31': { '00': 'D15600000001', '03': '12345678' },
      '52': '4111',
      '53': '156',
      '54': '23.72',
      '55': '01',
      '58': 'CN',
      '59': 'BEST TRANSPORT',
      '60': 'BEIJING',
      '62': { '03': '1234', '06': '***', '07': 'A6008667', '09': 'ME' },
      '64': { '00': 'ZH', '01': '最佳运输', '02': '北京' },
      '91': { '00': 'A011223344998877', '07': '12345678' },
      '63': '7D4F',
    });
    expect(result.alternateLanguage).toEqual({ languagePreference: 'ZH', merchantName: '最佳运输', merchantCity: '北京' });
    expect(result.additionalData).toMatchObject({ terminalLabel: 'A6008667', storeLabel: '1234', billNumber: null });
    expect(result.merchantAccounts.map((account) => [account.id, account.globallyUniqueId])).toEqual([
      ['29', 'D15600000000'],
      ['31', 'D15600000001'],
    ]);
    expect(result.amountMinor).toBe(2372);
  });

  it('keeps sub-templates of national profiles (VietQR 38.01) as text', () => {
    const vietQr = publicEmvPayloads.find((entry) => entry.payload.includes('QRIBFTTA53037045405'))!;
    expect(decodeEmvMpm(vietQr.payload).tags['38']).toEqual({ '00': 'A000000727', '01': '00069704160109257678859', '02': 'QRIBFTTA' });
    expect(decodeEmvMpm(vietQr.payload).additionalData?.purposeOfTransaction).toBe('Chuyen tien');
  });

  it('reports amountMinor only for CNY', () => {
    expect(decodeEmvMpm(publicEmvPayloads[2]!.payload).amountMinor).toBeNull();
  });
});

describe('decodeEmvMpm deviations accepted with warnings', () => {
  it('accepts a lowercase CRC, warning about it', () => {
    const result = decodeEmvMpm(payMaya.replace(/75C3$/, '75c3'));
    expect(result.valid).toBe(true);
    expect(codes(result.warnings)).toEqual(['crc-lowercase']);
  });

  it('accepts "02" in the payload format indicator as a national profile', () => {
    const result = decodeEmvMpm(withFreshCrc(payMaya.replace(/^000201/, '000202').slice(0, -4)));
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'national-profile', id: '00' })]);
  });

  it('warns about non-ASCII merchant names in ID 59', () => {
    const body = '00020101021126150011com.example520458125303156540512.505802CN5904面馆小厨6007BEIJING6304';
    const result = decodeEmvMpm(withFreshCrc(body));
    expect(result.valid).toBe(true);
    expect(result.merchantName).toBe('面馆小厨');
    expect(codes(result.warnings)).toEqual(['non-ascii']);
  });

  it('warns about RFU IDs and unreserved templates that are not TLV', () => {
    const body = `${payMaya.slice(0, -8)}6502XY8003abc6304`;
    const result = decodeEmvMpm(withFreshCrc(body));
    expect(result.valid).toBe(true);
    expect(codes(result.warnings).sort()).toEqual(['malformed-template', 'rfu-id']);
    expect(result.tags['80']).toBe('abc');
  });
});

describe('decodeEmvMpm accepts over-length objects (common in the wild) with warnings', () => {
  it('decodes a 20-character merchant city as valid, naming the object and the limit', () => {
    const result = decodeEmvMpm(withFreshCrc('00020101021126150011com.example5204581253031565802CN5904NAME6020SAO JOSE DOS CAMPOS 6304'));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.merchantCity).toBe('SAO JOSE DOS CAMPOS ');
    expect(result.warnings).toEqual([{ code: 'field-too-long', id: '60', message: 'merchant city (ID 60) is 20 characters; EMVCo allows at most 15' }]);
  });

  it('decodes a payload of more than 512 characters as valid, with its length in the warning', () => {
    const payload = withFreshCrc(`000201010211${sixLongAccounts}5204581253031565802CN5904NAME6007BEIJING6304`);
    expect(payload.length).toBeGreaterThan(512);
    const result = decodeEmvMpm(payload);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.merchantAccounts).toHaveLength(6);
    expect(result.warnings).toEqual([{ code: 'payload-too-long', message: `the payload is ${payload.length} characters; EMVCo allows at most 512` }]);
  });

  const overLength: readonly (readonly [string, string, string, string])[] = [
    ['a merchant name of 26 characters', '00020101021126150011com.example5204581253031565802CN5926ABCDEFGHIJKLMNOPQRSTUVWXYZ6007BEIJING6304', '59', 'merchant name (ID 59) is 26 characters; EMVCo allows at most 25'],
    ['a city of 16 characters', '00020101021126150011com.example5204581253031565802CN5904NAME6016ABCDEFGHIJKLMNOP6304', '60', 'merchant city (ID 60) is 16 characters; EMVCo allows at most 15'],
    ['an amount of 14 characters', '00020101021226150011com.example520458125303156541412345678901.505802CN5904NAME6007BEIJING6304', '54', 'transaction amount (ID 54) is 14 characters; EMVCo allows at most 13'],
    ['a postal code of 11 characters', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING611112345678901' + '6304', '61', 'postal code (ID 61) is 11 characters; EMVCo allows at most 10'],
    ['an additional data bill number of 26 characters', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING62300126ABCDEFGHIJKLMNOPQRSTUVWXYZ6304', '62.01', 'bill number (ID 62.01) is 26 characters; EMVCo allows at most 25'],
    ['an additional data reference label of 35 characters (a Pix txid)', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING62390535' + 'R'.repeat(35) + '6304', '62.05', 'reference label (ID 62.05) is 35 characters; EMVCo allows at most 25'],
    ['an additional consumer data request of 4 characters', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING62080904AMEE6304', '62.09', 'additional consumer data request (ID 62.09) is 4 characters; EMVCo allows at most 3'],
    ['a globally unique identifier of 33 characters', '00020101021126370033' + 'g'.repeat(33) + '5204581253031565802CN5904NAME6007BEIJING6304', '26.00', 'globally unique identifier (ID 26.00) is 33 characters; EMVCo allows at most 32'],
    ['an alternate-language city of 16 characters', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING64320002ZH0102面馆0216' + '北'.repeat(16) + '6304', '64.02', 'alternate merchant city (ID 64.02) is 16 characters; EMVCo allows at most 15'],
  ];
  it.each(overLength)('accepts %s', (_name, body, id, message) => {
    const result = decodeEmvMpm(withFreshCrc(body));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([{ code: 'field-too-long', id, message }]);
  });

  it('never lets a merchant name or city length alone make a payload invalid', () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 99, size: 'max' });
    fc.assert(
      fc.property(printable, printable, (name, city) => {
        const field = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;
        const result = decodeEmvMpm(withFreshCrc(`00020101021126150011com.example5204581253031565802CN${field('59', name)}${field('60', city)}6304`));
        expect(result.errors).toEqual([]);
        expect(result.warnings.map((warning) => warning.id)).toEqual([...(name.length > 25 ? ['59'] : []), ...(city.length > 15 ? ['60'] : [])]);
      }),
    );
  });
});

describe('decodeEmvMpm on invalid payloads', () => {
  it.each(publicInvalidEmvPayloads.map((entry) => [entry.name, entry] as const))('%s (published invalid)', (_name, entry) => {
    const result = decodeEmvMpm(entry.payload);
    expect(result.valid).toBe(false);
    expect(codes(result.errors)).toContain(entry.errorCode);
  });

  const cases: readonly (readonly [string, string, string])[] = [
    ['a CRC with one digit changed', payMaya.replace(/75C3$/, '75C4'), 'crc-mismatch'],
    ['one payload character changed', payMaya.replace('PayMaya User', 'PayMaya Uses'), 'crc-mismatch'],
    ['a CRC that is not hex', payMaya.replace(/75C3$/, '75CZ'), 'invalid-field'],
    ['a length longer than the rest', payMaya.replace('5912PayMaya', '5999PayMaya'), 'malformed-tlv'],
    ['a length that is not digits', payMaya.replace('5912PayMaya', '59x2PayMaya'), 'malformed-tlv'],
    ['truncated in the middle', payMaya.slice(0, 70), 'malformed-tlv'],
    ['truncated inside the CRC header', payMaya.slice(0, -6), 'malformed-tlv'],
    ['the CRC cut off', payMaya.slice(0, -8), 'crc-missing'],
    ['no CRC at all', '000201010211', 'crc-missing'],
    ['the empty string', '', 'empty'],
    ['plain text', 'hello, world', 'malformed-tlv'],
    ['a URL', 'https://qr.alipay.com/bax03431ljhokirwl38f00a7', 'malformed-tlv'],
  ];
  it.each(cases)('rejects %s', (_name, payload, code) => {
    const result = decodeEmvMpm(payload);
    expect(result.valid).toBe(false);
    expect(codes(result.errors)).toContain(code);
  });

  const recomputed: readonly (readonly [string, string, string])[] = [
    ['an amount with a comma', '00020101021226150011com.example520458125303156540512,505802CN5904NAME6007BEIJING6304', 'invalid-field'],
    ['an MCC of 3 digits', '00020101021126150011com.example52035815303156' + '5802CN5904NAME6007BEIJING6304', 'field-length'],
    ['point of initiation 13', '00020101021326150011com.example5204581253031565802CN5904NAME6007BEIJING6304', 'invalid-field'],
    ['payload format indicator 03', '00020301021126150011com.example5204581253031565802CN5904NAME6007BEIJING6304', 'payload-format-value'],
    ['payload format indicator not first', '01021100020126150011com.example5204581253031565802CN5904NAME6007BEIJING6304', 'payload-format-not-first'],
    ['a duplicate ID', '00020101021126150011com.example52045812530315653031565802CN5904NAME6007BEIJING6304', 'duplicate-id'],
    ['no merchant account', '0002010102115204581253031565802CN5904NAME6007BEIJING6304', 'missing-field'],
    ['no currency', '00020101021126150011com.example520458125802CN5904NAME6007BEIJING6304', 'missing-field'],
    ['no country', '00020101021126150011com.example520458125303156' + '5904NAME6007BEIJING6304', 'missing-field'],
    ['a merchant account template without its GUI', '000201010211260801041234520458125303156' + '5802CN5904NAME6007BEIJING6304', 'missing-field'],
    ['a merchant account template that is not TLV', '000201010211260412345204581253031565802CN5904NAME6007BEIJING6304', 'malformed-template'],
    ['a language template without a name', '00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING64060002ZH6304', 'missing-field'],
    ['tip indicator 02 without a fixed fee', '00020101021126150011com.example5204581253031565502025802CN5904NAME6007BEIJING6304', 'missing-field'],
  ];
  it.each(recomputed)('rejects %s (with a correct CRC)', (_name, body, code) => {
    const result = decodeEmvMpm(withFreshCrc(body));
    expect(codes(result.errors)).toEqual([code]);
    expect(result.valid).toBe(false);
  });

  it('rejects a CRC that is not the last object', () => {
    const body = withFreshCrc('00020101021126150011com.example5204581253031565802CN5904NAME6007BEIJING6304');
    expect(codes(decodeEmvMpm(`${body}0702AB`).errors)).toContain('crc-not-last');
  });

  it('rejects a payload over 512 characters when its CRC is wrong, warning about the length as well', () => {
    const body = `000201010211${sixLongAccounts}5204581253031565802CN5904NAME6007BEIJING6304`;
    const result = decodeEmvMpm(`${body}0000`);
    expect(result.valid).toBe(false);
    expect(codes(result.errors)).toEqual(['crc-mismatch']);
    expect(codes(result.warnings)).toEqual(['payload-too-long']);
  });

  it('rejects an over-long city when a mandatory object is missing', () => {
    const result = decodeEmvMpm(withFreshCrc('00020101021126150011com.example52045812' + '5802CN5904NAME6020SAO JOSE DOS CAMPOS 6304'));
    expect(codes(result.errors)).toEqual(['missing-field']);
    expect(codes(result.warnings)).toEqual(['field-too-long']);
    expect(result.valid).toBe(false);
  });
});

describe('decodeEmvMpm never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const result = decodeEmvMpm(text);
        expect(result.valid).toBe(result.errors.length === 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('on TLV-shaped strings and on public payloads with random edits', () => {
    const tlvLike = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.string({ maxLength: 30, unit: 'grapheme' })), { maxLength: 12 })
      .map((entries) => entries.map(([id, value]) => `${String(id).padStart(2, '0')}${String(Array.from(value).length).padStart(2, '0')}${value}`).join(''));
    const edited = fc
      .tuple(fc.constantFrom(...publicEmvPayloads.map((entry) => entry.payload)), fc.nat(), fc.string({ maxLength: 3 }), fc.nat({ max: 3 }))
      .map(([payload, at, insert, remove]) => {
        const index = at % (payload.length + 1);
        return payload.slice(0, index) + insert + payload.slice(index + remove);
      });
    fc.assert(
      fc.property(fc.oneof(tlvLike, tlvLike.map((text) => withFreshCrc(`${text}6304`)), edited), (text) => {
        const result = decodeEmvMpm(text);
        expect(result.valid).toBe(result.errors.length === 0);
        expect(typeof result.tags).toBe('object');
      }),
      { numRuns: 2000 },
    );
  });
});
