/**
 * The backend's check of a forwarded offline code: sync/protocol/offline-code.ts's verification
 * (format, wallet key, Ed25519 signature, validity window) as of the moment the terminal accepted
 * it, mapped onto the upload result's rejection reasons. Spending (one payment per code id) is
 * journal-ingest.ts's job.
 */
import type { KeyObject } from 'node:crypto';
import { verifyOfflineCode } from '../../sync/protocol/offline-code.js';
import type { OfflineCodeVerifier } from './journal-ingest.js';

const rejectionFor = {
  malformed: 'malformed-code',
  'unknown-key': 'unknown-key',
  'bad-signature': 'bad-signature',
  'not-yet-valid': 'not-yet-valid',
  expired: 'expired',
} as const;

/** PUBLICKEYS maps wallet key ids to Ed25519 public keys (PEM SPKI or KeyObject). */
export function createOfflineCodeVerifier(publicKeys: ReadonlyMap<string, KeyObject | string>): OfflineCodeVerifier {
  return (code, acceptedAtMs) => {
    const verification = verifyOfflineCode(code, { publicKeys, nowMs: acceptedAtMs });
    if (!verification.ok) return { ok: false, rejection: rejectionFor[verification.reason], message: verification.message };
    return { ok: true, codeId: verification.claims.codeId, payerId: verification.claims.payerId, limitMinor: verification.claims.amountLimitMinor };
  };
}
