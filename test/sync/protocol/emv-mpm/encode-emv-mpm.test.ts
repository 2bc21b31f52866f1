import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEmvMpm } from '../../../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { EmvMpmEncodeError, encodeEmvMpm, type EmvMpmEncodeInput } from '../../../../sync/protocol/emv-mpm/encode-emv-mpm.js';
import { publicEmvPayloads } from './public-emv-payloads.js';

const publicPayload = (source: string) => publicEmvPayloads.find((entry) => entry.source.startsWith(source))!.payload;

const sandboxSale: EmvMpmEncodeInput = {
  pointOfInitiation: 'dynamic',
  merchantAccounts: [{ id: '26', globallyUniqueId: 'cn.merchant-terminal.sandbox', fields: { '01': 'M-0001' } }],
  merchantCategoryCode: '5812',
  currencyNumeric: '156',
  amountMinor: 1250,
  countryCode: 'CN',
  merchantName: 'NOODLE BAR',
  merchantCity: 'BEIJING',
  additionalData: { billNumber: 'PAY-20261125-0001', terminalLabel: 'COUNTER-1' },
  alternateLanguage: { languagePreference: 'ZH', merchantName: '面馆', merchantCity: '北京' },
};

function expectEncodeError(input: EmvMpmEncodeInput, code: string, field: string): void {
  try {
    encodeEmvMpm(input);
  } catch (error) {
    expect(error).toBeInstanceOf(EmvMpmEncodeError);
    expect(error).toMatchObject({ code, field });
    return;
  }
  expect.fail(`expected EmvMpmEncodeError ${code} on ${field}`);
}

describe('encodeEmvMpm reproduces public payloads byte for byte', () => {
  it('Singapore PayNow (daffodilistic/pyPayNowSg tests/test_payload.py)', () => {
    const payload = encodeEmvMpm({
      pointOfInitiation: 'static',
      merchantAccounts: [{ id: '26', globallyUniqueId: 'SG.PAYNOW', fields: { '01': '2', '02': '200002150HWCF', '03': '1' } }],
      merchantCategoryCode: '0000',
      currencyNumeric: '702',
      countryCode: 'SG',
      merchantName: 'NATIONAL HEALTHCARE GRO',
      merchantCity: 'Singapore',
    });
    expect(payload).toBe(publicPayload('daffodilistic/pyPayNowSg'));
  });

  it('Philippines QR Ph (emv-qrcps QRCODES._2)', () => {
    const payload = encodeEmvMpm({
      pointOfInitiation: 'static',
      merchantAccounts: [{ id: '27', globallyUniqueId: 'com.p2pqrpay', fields: { '01': 'PAPHPHM1XXX', '02': '99964403', '04': '09985903943', '05': '+639985903943' } }],
      merchantCategoryCode: '6016',
      currencyNumeric: '608',
      countryCode: 'PH',
      merchantName: 'PayMaya User',
      merchantCity: 'Mandaluyong',
    });
    expect(payload).toBe(publicPayload('npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._2)'));
  });

  it('VietQR merchant with a store label (liopayvn/vietqr-php README.md)', () => {
    const payload = encodeEmvMpm({
      pointOfInitiation: 'static',
      merchantAccounts: [{ id: '38', globallyUniqueId: 'A000000727', fields: { '01': '000697040301162112995044604025' } }],
      merchantCategoryCode: '5812',
      currencyNumeric: '704',
      countryCode: 'VN',
      merchantName: 'PHUONG CAC',
      merchantCity: 'HANOI',
      additionalData: { storeLabel: 'NPS6869' },
    });
    expect(payload).toBe(publicPayload('liopayvn/vietqr-php'));
  });
});

describe('encodeEmvMpm', () => {
  it('emits a dynamic CNY payload with bill number, terminal label and the Chinese name', () => {
    const payload = encodeEmvMpm(sandboxSale);
    expect(payload).toBe(
      '00020101021226420028cn.merchant-terminal.sandbox0106M-0001520458125303156540512.505802CN5910NOODLE BAR6007BEIJING' +
        '62340117PAY-20261125-00010709COUNTER-164180002ZH0102面馆0202北京6304' +
        payload.slice(-4),
    );
    expect(payload).toMatch(/6304[0-9A-F]{4}$/);
    const decoded = decodeEmvMpm(payload);
    expect(decoded).toMatchObject({ valid: true, errors: [], warnings: [], pointOfInitiation: '12', amount: '12.50', amountMinor: 1250, currency: '156' });
    expect(decoded.additionalData).toMatchObject({ billNumber: 'PAY-20261125-0001', terminalLabel: 'COUNTER-1' });
  });

  it('emits point of initiation 11 for a static code, with or without an amount', () => {
    const { amountMinor: _amount, ...withoutAmount } = sandboxSale;
    expect(decodeEmvMpm(encodeEmvMpm({ ...withoutAmount, pointOfInitiation: 'static' }))).toMatchObject({ valid: true, pointOfInitiation: '11', amount: null });
    expect(decodeEmvMpm(encodeEmvMpm({ ...sandboxSale, pointOfInitiation: 'static' }))).toMatchObject({ valid: true, pointOfInitiation: '11', amount: '12.50' });
  });

  it('sorts merchant account templates and their sub-IDs', () => {
    const payload = encodeEmvMpm({
      ...sandboxSale,
      merchantAccounts: [
        { id: '31', globallyUniqueId: 'B', fields: { '02': 'y', '01': 'x' } },
        { id: '26', globallyUniqueId: 'A' },
      ],
    });
    expect(payload).toContain('26050001A31150001B0101x0201y5204');
  });

  it.each([
    ['dynamic without an amount', { amountMinor: undefined }, 'missing-field', 'amountMinor'],
    ['a zero amount', { amountMinor: 0 }, 'invalid-field', 'amountMinor'],
    ['a fractional amount', { amountMinor: 12.5 }, 'invalid-field', 'amountMinor'],
    ['an amount over 13 characters', { amountMinor: 10_000_000_000_000 }, 'field-too-long', 'amountMinor'],
    ['a name of 26 characters', { merchantName: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' }, 'field-too-long', 'merchantName'],
    ['a Chinese name in ID 59', { merchantName: '面馆' }, 'invalid-field', 'merchantName'],
    ['a city of 16 characters', { merchantCity: 'ABCDEFGHIJKLMNOP' }, 'field-too-long', 'merchantCity'],
    ['an empty city', { merchantCity: '' }, 'missing-field', 'merchantCity'],
    ['an MCC of 3 digits', { merchantCategoryCode: '581' }, 'invalid-field', 'merchantCategoryCode'],
    ['a currency code in letters', { currencyNumeric: 'CNY' }, 'invalid-field', 'currencyNumeric'],
    ['a lowercase country', { countryCode: 'cn' }, 'invalid-field', 'countryCode'],
    ['no merchant account', { merchantAccounts: [] }, 'missing-field', 'merchantAccounts'],
    ['a merchant account id outside 26–51', { merchantAccounts: [{ id: '52', globallyUniqueId: 'x' }] }, 'invalid-field', 'merchantAccounts[0].id'],
    ['a duplicate merchant account id', { merchantAccounts: [{ id: '26', globallyUniqueId: 'x' }, { id: '26', globallyUniqueId: 'y' }] }, 'invalid-field', 'merchantAccounts'],
    ['a GUI of 33 characters', { merchantAccounts: [{ id: '26', globallyUniqueId: 'x'.repeat(33) }] }, 'field-too-long', 'merchantAccounts[0].globallyUniqueId'],
    ['a merchant account over 99 characters', { merchantAccounts: [{ id: '26', globallyUniqueId: 'x', fields: { '01': 'y'.repeat(60), '02': 'z'.repeat(40) } }] }, 'field-too-long', 'merchantAccounts[0]'],
    ['a bad sub-ID', { merchantAccounts: [{ id: '26', globallyUniqueId: 'x', fields: { '1': 'y' } }] }, 'invalid-field', 'merchantAccounts[0].fields'],
    ['a bill number of 26 characters', { additionalData: { billNumber: 'B'.repeat(26) } }, 'field-too-long', 'additionalData.billNumber'],
    ['a Chinese name of 26 characters', { alternateLanguage: { languagePreference: 'ZH', merchantName: '面'.repeat(26) } }, 'field-too-long', 'alternateLanguage.merchantName'],
    ['a language of 3 letters', { alternateLanguage: { languagePreference: 'ZHO', merchantName: '面馆' } }, 'invalid-field', 'alternateLanguage.languagePreference'],
  ] as const)('refuses %s', (_name, change, code, field) => {
    expectEncodeError({ ...sandboxSale, ...change } as EmvMpmEncodeInput, code, field);
  });

  it('counts characters, not UTF-16 units, for names outside the BMP', () => {
    const payload = encodeEmvMpm({ ...sandboxSale, alternateLanguage: { languagePreference: 'ZH', merchantName: '𠀀面' } });
    expect(payload).toContain('64120002ZH0102𠀀面6304');
    expect(decodeEmvMpm(payload)).toMatchObject({ valid: true, alternateLanguage: { merchantName: '𠀀面' } });
  });

  it('counts lengths in characters: 25 Chinese characters fit the language template name', () => {
    const payload = encodeEmvMpm({ ...sandboxSale, alternateLanguage: { languagePreference: 'ZH', merchantName: '面'.repeat(25) } });
    expect(payload).toContain(`0125${'面'.repeat(25)}`);
    expect(decodeEmvMpm(payload).valid).toBe(true);
  });
});

const ascii = (min: number, max: number) => fc.string({ minLength: min, maxLength: max, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) });
const anyText = (min: number, max: number) => fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
const digits = (length: number) => fc.string({ minLength: length, maxLength: length, unit: fc.constantFrom(...'0123456789') });

const encodeInput: fc.Arbitrary<EmvMpmEncodeInput> = fc.record(
  {
    pointOfInitiation: fc.constantFrom('static' as const, 'dynamic' as const),
    merchantAccounts: fc.uniqueArray(
      fc.record({ id: fc.integer({ min: 26, max: 51 }).map(String), globallyUniqueId: ascii(1, 32), fields: fc.dictionary(fc.integer({ min: 1, max: 99 }).map((n) => String(n).padStart(2, '0')), ascii(1, 10), { maxKeys: 3 }) }),
      { minLength: 1, maxLength: 3, selector: (account) => account.id },
    ),
    merchantCategoryCode: digits(4),
    currencyNumeric: fc.constantFrom('156', '344', '840'),
    amountMinor: fc.integer({ min: 1, max: 99_999_999_999 }),
    countryCode: fc.constantFrom('CN', 'HK', 'SG'),
    merchantName: ascii(1, 25),
    merchantCity: ascii(1, 15),
    postalCode: ascii(1, 10),
    additionalData: fc.record({ billNumber: ascii(1, 25), referenceLabel: ascii(1, 25), terminalLabel: ascii(1, 25) }, { requiredKeys: [] }),
    alternateLanguage: fc.record({ languagePreference: fc.constantFrom('ZH', 'EN'), merchantName: anyText(1, 6), merchantCity: anyText(1, 4) }, { requiredKeys: ['languagePreference', 'merchantName'] }),
  },
  { requiredKeys: ['pointOfInitiation', 'merchantAccounts', 'merchantCategoryCode', 'currencyNumeric', 'amountMinor', 'countryCode', 'merchantName', 'merchantCity'] },
);

describe('encode → decode round trip (property)', () => {
  it('every encodable input decodes to the same fields, valid and without warnings', () => {
    fc.assert(
      fc.property(encodeInput, (input) => {
        let payload: string;
        try {
          payload = encodeEmvMpm(input);
        } catch (error) {
          // Random templates may exceed 99 characters: the only refusals the generator can cause.
          expect(error).toBeInstanceOf(EmvMpmEncodeError);
          expect((error as EmvMpmEncodeError).code).toBe('field-too-long');
          return;
        }
        const decoded = decodeEmvMpm(payload);
        expect(decoded.errors).toEqual([]);
        expect(decoded.warnings).toEqual([]);
        expect(decoded.pointOfInitiation).toBe(input.pointOfInitiation === 'dynamic' ? '12' : '11');
        expect(decoded.merchantName).toBe(input.merchantName);
        expect(decoded.merchantCity).toBe(input.merchantCity);
        expect(decoded.mcc).toBe(input.merchantCategoryCode);
        expect(decoded.currency).toBe(input.currencyNumeric);
        expect(decoded.postalCode).toBe(input.postalCode ?? null);
        expect(Number(decoded.amount?.replace('.', ''))).toBe(input.amountMinor);
        for (const account of input.merchantAccounts) {
          expect(decoded.tags[account.id]).toEqual({ '00': account.globallyUniqueId, ...account.fields });
        }
        expect(decoded.additionalData?.billNumber ?? undefined).toBe(input.additionalData?.billNumber);
        expect(decoded.additionalData?.terminalLabel ?? undefined).toBe(input.additionalData?.terminalLabel);
        expect(decoded.alternateLanguage?.merchantName ?? undefined).toBe(input.alternateLanguage?.merchantName);
        expect(decoded.alternateLanguage?.merchantCity ?? undefined).toBe(input.alternateLanguage?.merchantCity);
      }),
      { numRuns: 1000 },
    );
  });
});
