/** Hole #8.11 (part): a configurable maximum per sale, checked by a pure function the payment service calls. */
import { describe, expect, it } from 'vitest';
import { defaultConfig, validateConfig, ConfigError } from '../../../main/config/load-config.js';
import { checkSaleAmount, defaultMaxSaleMinor } from '../../../main/config/sale-limit.js';

describe('per-sale maximum', () => {
  it('defaults to ￥50,000.00 and can be configured', () => {
    expect(defaultMaxSaleMinor).toBe(5_000_000);
    expect(defaultConfig().limits).toEqual({ maxSaleMinor: 5_000_000 });
    expect(validateConfig({ limits: { maxSaleMinor: 100_000 } }).limits.maxSaleMinor).toBe(100_000);
  });

  it.each<[unknown, RegExp]>([
    [0, /limits\.maxSaleMinor: expected a maximum of at least 1/],
    [12.5, /limits\.maxSaleMinor: expected a whole number of minor units/],
    ['50000', /limits\.maxSaleMinor: expected an amount in minor units/],
  ])('refuses maxSaleMinor %s naming the key', (value, message) => {
    let error: unknown;
    try {
      validateConfig({ limits: { maxSaleMinor: value } }, 'test.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('accepts a sale up to the maximum and refuses one fen more, naming both amounts', () => {
    const limits = { maxSaleMinor: 5_000_000 };
    expect(checkSaleAmount(5_000_000, limits)).toEqual({ ok: true });
    expect(checkSaleAmount(1, limits)).toEqual({ ok: true });
    const over = checkSaleAmount(5_000_001, limits);
    expect(over).toMatchObject({ ok: false, code: 'over-sale-limit' });
    expect(over.ok ? '' : over.message).toContain('￥50000.00');
    expect(over.ok ? '' : over.message).toContain('￥50000.01');
  });

  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])('refuses the malformed amount %s as invalid-amount, never crashing', (amount) => {
    expect(checkSaleAmount(amount, { maxSaleMinor: 5_000_000 })).toMatchObject({ ok: false, code: 'invalid-amount' });
  });
});
