/**
 * What a customer-presented offline payment code asserts once its signature has been verified
 * (format and signing: sync/protocol/offline-code.ts, docs/offline-codes.md). Pure, so the code
 * classifier and the offline acceptance policy can use it without crypto.
 */

/** Every offline code starts with this; the version is part of the prefix. */
export const offlineCodePrefix = 'OFL1.';

export interface OfflineCodeClaims {
  /** Which wallet key signed it; the terminal's settings map key ids to public keys. */
  readonly keyId: string;
  /** The wallet's id for the payer. */
  readonly payerId: string;
  /** 16 random bytes as 32 lowercase hex digits: the nonce that makes each code single-use. */
  readonly codeId: string;
  /** The most this code may pay, in fen. */
  readonly amountLimitMinor: number;
  /** Epoch milliseconds. */
  readonly issuedAtMs: number;
  /** Epoch milliseconds; the code is not valid at or after this instant. */
  readonly expiresAtMs: number;
}

/** Cheap shape test for a scanned string (prefix and two base64url parts); says nothing of validity. */
export function looksLikeOfflineCode(scanned: string): boolean {
  return /^OFL1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(scanned);
}
