import { describe, expect, it } from 'vitest';
import { hashPin, isWellFormedPinHash, PinHashError, verifyPin } from '../../../main/auth/pin-hash.js';

describe('PIN hashing', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const first = await hashPin('4821');
    const second = await hashPin('4821');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('4821');
    expect(isWellFormedPinHash(first)).toBe(true);
    expect(await verifyPin('4821', first)).toBe(true);
    expect(await verifyPin('4822', first)).toBe(false);
    expect(await verifyPin('48a1', first)).toBe(false);
  });

  it('refuses malformed PINs and stored hashes', async () => {
    await expect(hashPin('12')).rejects.toThrow(PinHashError);
    await expect(hashPin('123456789')).rejects.toThrow(PinHashError);
    await expect(verifyPin('1234', 'plain-1234')).rejects.toThrow(/malformed/);
    expect(isWellFormedPinHash('scrypt$1000$8$1$AAAA$AAAA')).toBe(false);
  });
});
