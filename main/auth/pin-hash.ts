/**
 * PIN hashing with scrypt. Stored form: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`, so cost
 * parameters can be raised later without invalidating existing hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const defaultCost = { N: 16384, r: 8, p: 1 } as const;
const keyLength = 32;
const pinPattern = /^\d{4,8}$/;

export class PinHashError extends Error {
  override readonly name = 'PinHashError';
}

function scrypt(pin: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(pin, salt, keyLength, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

export function isWellFormedPin(pin: string): boolean {
  return pinPattern.test(pin);
}

export async function hashPin(pin: string): Promise<string> {
  if (!isWellFormedPin(pin)) throw new PinHashError('a PIN is 4 to 8 digits');
  const salt = randomBytes(16);
  const derived = await scrypt(pin, salt, defaultCost);
  return ['scrypt', defaultCost.N, defaultCost.r, defaultCost.p, salt.toString('base64'), derived.toString('base64')].join('$');
}

const storedPattern = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function isWellFormedPinHash(stored: string): boolean {
  const match = storedPattern.exec(stored);
  if (!match) return false;
  const N = Number(match[1]);
  return N >= 1024 && (N & (N - 1)) === 0 && Buffer.from(match[5] ?? '', 'base64').length === keyLength;
}

/** Constant-time comparison; a malformed stored hash is an error, never a match. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const match = storedPattern.exec(stored);
  if (!match || !isWellFormedPinHash(stored)) throw new PinHashError('stored PIN hash is malformed');
  if (!isWellFormedPin(pin)) return false;
  const [, N, r, p, salt, expected] = match;
  const expectedBytes = Buffer.from(expected ?? '', 'base64');
  const derived = await scrypt(pin, Buffer.from(salt ?? '', 'base64'), {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * Number(N) * Number(r),
  });
  return timingSafeEqual(derived, expectedBytes);
}
