import { describe, expect, it } from 'vitest';
import { crc16CcittFalse, crc16Hex } from '../../kernel/crc16-ccitt-false.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value for "123456789"', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });
  it('pads and uppercases', () => {
    expect(crc16Hex('')).toBe('FFFF');
    expect(crc16Hex('123456789')).toBe('29B1');
  });
});
