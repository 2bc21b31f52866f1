import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMinorAsDecimal, formatMoney, MoneyError, multiplyMinor, parseMajorToMinor, sumMinor } from '../../kernel/money.js';

describe('money', () => {
  it.each([
    [0, '￥0.00'],
    [5, '￥0.05'],
    [1250, '￥12.50'],
    [100000, '￥1000.00'],
    [-300, '-￥3.00'],
  ])('formats %i fen as %s', (amountMinor, expected) => {
    expect(formatMoney(amountMinor)).toBe(expected);
  });

  it.each([
    ['12.50', 1250],
    ['12.5', 1250],
    ['12', 1200],
    ['0.01', 1],
    [' 7.05 ', 705],
  ])('parses "%s" as %i fen', (text, expected) => {
    expect(parseMajorToMinor(text)).toBe(expected);
  });

  it.each(['12.505', '-1', '1e3', '1,000.00', '', 'abc', '.5', '12.'])('refuses "%s"', (text) => {
    expect(() => parseMajorToMinor(text)).toThrow(MoneyError);
  });

  it('round-trips every amount through its decimal text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_99 }), (amountMinor) => {
        expect(parseMajorToMinor(formatMinorAsDecimal(amountMinor))).toBe(amountMinor);
      }),
    );
  });

  it('refuses fractional or unsafe amounts in arithmetic', () => {
    expect(() => sumMinor([100, 0.5])).toThrow(/whole number/);
    expect(() => sumMinor([Number.MAX_SAFE_INTEGER, 1])).toThrow(/exceeds/);
    expect(() => multiplyMinor(1250, 1.5)).toThrow(/quantity/);
    expect(() => formatMoney(12.5)).toThrow(MoneyError);
    expect(multiplyMinor(1250, 3)).toBe(3750);
    expect(sumMinor([1, 2, 3])).toBe(6);
  });
});
