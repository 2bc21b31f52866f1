import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeOfflineCode, offlineCodePrefix } from '../../../sync/protocol/offline-code-claims.js';
import { OfflineCodeIssueError, generateOfflineCodeKeyPair, issueOfflineCode, verifyOfflineCode } from '../../../sync/protocol/offline-code.js';

const wallet = generateOfflineCodeKeyPair();
const other = generateOfflineCodeKeyPair();
const issuedAtMs = Date.UTC(2026, 10, 25, 12, 0, 0);
const expiresAtMs = issuedAtMs + 5 * 60_000;
const codeId = Uint8Array.from({ length: 16 }, (_, index) => index);
const request = { privateKey: wallet.privateKeyPem, keyId: 'sandbox-2026', payerId: 'payer-42', amountLimitMinor: 20_000, issuedAtMs, expiresAtMs, codeId };
const publicKeys = new Map([['sandbox-2026', wallet.publicKeyPem]]);

function replacePart(code: string, index: 1 | 2, transform: (bytes: Buffer) => Buffer): string {
  const parts = code.split('.');
  parts[index] = transform(Buffer.from(parts[index] ?? '', 'base64url')).toString('base64url');
  return parts.join('.');
}

describe('offline payment codes', () => {
  it('issues a compact code the terminal verifies with the public key alone', () => {
    const code = issueOfflineCode(request);
    expect(code.startsWith(offlineCodePrefix)).toBe(true);
    expect(looksLikeOfflineCode(code)).toBe(true);
    expect(code.length).toBeLessThan(200);
    const result = verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs + 1000 });
    expect(result).toEqual({
      ok: true,
      claims: { keyId: 'sandbox-2026', payerId: 'payer-42', codeId: '000102030405060708090a0b0c0d0e0f', amountLimitMinor: 20_000, issuedAtMs, expiresAtMs },
    });
  });

  it('gives every code a fresh random code id when none is given', () => {
    const { codeId: _fixed, ...withoutCodeId } = request;
    const first = verifyOfflineCode(issueOfflineCode(withoutCodeId), { publicKeys, nowMs: issuedAtMs });
    const second = verifyOfflineCode(issueOfflineCode(withoutCodeId), { publicKeys, nowMs: issuedAtMs });
    expect(first.ok && second.ok && first.claims.codeId !== second.claims.codeId).toBe(true);
  });

  it('refuses a code signed by another key as a bad signature', () => {
    const forged = issueOfflineCode({ ...request, privateKey: other.privateKeyPem });
    expect(verifyOfflineCode(forged, { publicKeys, nowMs: issuedAtMs })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a code whose amount limit was raised after signing', () => {
    const code = issueOfflineCode(request);
    const tampered = replacePart(code, 1, (bytes) => {
      const copy = Buffer.from(bytes);
      const amountOffset = copy.length - 20;
      copy.writeUInt32BE(9_999_999, amountOffset);
      return copy;
    });
    expect(verifyOfflineCode(tampered, { publicKeys, nowMs: issuedAtMs })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a code under another version prefix, since the prefix is signed', () => {
    const code = issueOfflineCode(request).replace('OFL1.', 'OFL2.');
    expect(verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses an unknown key id', () => {
    const code = issueOfflineCode({ ...request, keyId: 'retired-2024' });
    expect(verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs })).toMatchObject({ ok: false, reason: 'unknown-key' });
  });

  it('refuses expired and not-yet-valid codes, tolerating a small clock skew', () => {
    const code = issueOfflineCode(request);
    expect(verifyOfflineCode(code, { publicKeys, nowMs: expiresAtMs })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyOfflineCode(code, { publicKeys, nowMs: expiresAtMs - 1 }).ok).toBe(true);
    expect(verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs - 30_000 }).ok).toBe(true);
    expect(verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs - 61_000 })).toMatchObject({ ok: false, reason: 'not-yet-valid' });
    expect(verifyOfflineCode(code, { publicKeys, nowMs: issuedAtMs - 1, clockSkewToleranceMs: 0 })).toMatchObject({ ok: false, reason: 'not-yet-valid' });
  });

  it('calls truncated and garbled codes malformed', () => {
    const code = issueOfflineCode(request);
    for (const bad of ['', 'OFL1.', 'OFL1..', code.slice(0, 40), `${code}.x`, code.replace(/\.[^.]*$/, '.AAAA'), 'OFL1.!!!!.AAAA', replacePart(code, 1, (bytes) => bytes.subarray(0, bytes.length - 1))]) {
      expect(verifyOfflineCode(bad, { publicKeys, nowMs: issuedAtMs })).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('never throws on random text, and accepts nothing it did not sign', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((text) => `OFL1.${text}`), fc.base64String().map((text) => `OFL1.${text.replace(/=/g, '')}.${text.replace(/=/g, '')}`)), (text) => {
        expect(verifyOfflineCode(text, { publicKeys, nowMs: issuedAtMs }).ok).toBe(false);
      }),
    );
  });

  it('refuses to issue claims it cannot encode, and non-Ed25519 keys', () => {
    expect(() => issueOfflineCode({ ...request, amountLimitMinor: 0 })).toThrow(OfflineCodeIssueError);
    expect(() => issueOfflineCode({ ...request, amountLimitMinor: 2 ** 32 })).toThrow(OfflineCodeIssueError);
    expect(() => issueOfflineCode({ ...request, payerId: '' })).toThrow(OfflineCodeIssueError);
    expect(() => issueOfflineCode({ ...request, expiresAtMs: issuedAtMs })).toThrow(OfflineCodeIssueError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => issueOfflineCode({ ...request, privateKey: rsa })).toThrow(OfflineCodeIssueError);
  });

  it('round-trips any claims it accepts', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (payerId, amountLimitMinor, issued, lifetime, id) => {
          const code = issueOfflineCode({ ...request, payerId, amountLimitMinor, issuedAtMs: issued, expiresAtMs: issued + lifetime, codeId: id });
          const result = verifyOfflineCode(code, { publicKeys, nowMs: issued });
          expect(result).toEqual({ ok: true, claims: { keyId: request.keyId, payerId, codeId: Buffer.from(id).toString('hex'), amountLimitMinor, issuedAtMs: issued, expiresAtMs: issued + lifetime } });
        },
      ),
      { numRuns: 50 },
    );
  });
});
