import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse, crc16CcittFalseOfText, crc16Hex } from '../../kernel/crc16-ccitt-false.js';

const overUtf8Bytes = (text: string) => crc16CcittFalse(new TextEncoder().encode(text));

describe('crc16CcittFalseOfText (UTF-8 on the fly, two ASCII bytes per step)', () => {
  it('gives the catalogue check value and the EMVCo example CRC', () => {
    expect(crc16CcittFalseOfText('123456789')).toBe(0x29b1);
    expect(crc16CcittFalseOfText('')).toBe(0xffff);
    // npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js QRCODES._1 (Chinese in template 64): CRC 7D4F.
    const example =
      '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115303156540523.725502015802CN5914BEST TRANSPORT6007BEIJING6233030412340603***0708A60086670902ME64200002ZH0104最佳运输0202北京91320016A01122334499887707081234567863047D4F';
    expect(crc16Hex(example.slice(0, -4))).toBe('7D4F');
  });

  it('equals the CRC over TextEncoder bytes for any string (odd lengths, astral, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ maxLength: 301 })), (text) => {
        expect(crc16CcittFalseOfText(text)).toBe(overUtf8Bytes(text));
      }),
      { numRuns: 3000 },
    );
    for (const text of ['\uD800', 'a\uDC00b', '😀', 'x😀', '\uD83D\uDE00\uD83D', 'é', 'aé']) expect(crc16CcittFalseOfText(text)).toBe(overUtf8Bytes(text));
  });
});
