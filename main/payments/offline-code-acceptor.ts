/**
 * Offline acceptance of signed customer codes (docs/offline-rules.md#accepting-an-offline-code): verifies the
 * Ed25519 signature with the wallet keys from the terminal's distributed settings
 * (sync/protocol/offline-code.ts), then applies the caps policy (main/payments/offline-acceptance.ts)
 * against what is already stored and not yet forwarded. Synchronous and without I/O beyond
 * reading the keyring, so the check and the journal write happen in one step.
 */
import type { IntentRecord, Journal } from '../../sync/store/journal.js';
import { verifyOfflineCode, type OfflineCodeKeyring } from '../../sync/protocol/offline-code.js';
import type { OfflineTotals } from '../contract/contract.js';
import { decideOfflineAcceptance, type OfflineAcceptancePolicy } from './offline-acceptance.js';
import type { OfflineCodeAcceptor } from './payment-service.js';

export class VerifyingOfflineCodeAcceptor implements OfflineCodeAcceptor {
  constructor(
    /** The wallet public keys currently trusted (key id → PEM), read on every evaluation. */
    private readonly keyring: () => OfflineCodeKeyring,
    private readonly policy: OfflineAcceptancePolicy,
    /** Whether a code id was already used on this terminal (any state). */
    private readonly codeIdUsed: (codeId: string) => boolean = () => false,
  ) {}

  evaluate(code: string, amountMinor: number, stored: readonly IntentRecord[], nowMs: number): { ok: true; detail: Record<string, unknown> } | { ok: false; reason: string } {
    const verified = verifyOfflineCode(code, { publicKeys: this.keyring(), nowMs });
    if (!verified.ok) return { ok: false, reason: verified.message };
    const { claims } = verified;
    const oldest = stored.reduce<number | null>((min, intent) => (min === null || intent.createdAtMs < min ? intent.createdAtMs : min), null);
    const decision = decideOfflineAcceptance({
      claims,
      amountMinor,
      storedTotalMinor: stored.reduce((sum, intent) => sum + intent.amountMinor, 0),
      oldestStoredAgeMs: oldest === null ? null : Math.max(nowMs - oldest, 0),
      codeIdAlreadyStored: stored.some((intent) => intent.detail.codeId === claims.codeId) || this.codeIdUsed(claims.codeId),
      nowMs,
      policy: this.policy,
    });
    if (decision.decision === 'refuse') return { ok: false, reason: decision.message };
    return { ok: true, detail: { codeId: claims.codeId, payerId: claims.payerId, keyId: claims.keyId, amountLimitMinor: claims.amountLimitMinor, codeIssuedAtMs: claims.issuedAtMs, codeExpiresAtMs: claims.expiresAtMs } };
  }
}

/** Offline payments waiting to be forwarded, against the caps (for status and the UI). */
export function offlineTotals(journal: Journal, policy: OfflineAcceptancePolicy): OfflineTotals {
  const pending = journal.openIntentsInState('accepted-offline');
  return {
    pendingCount: pending.length,
    pendingMinor: pending.reduce((sum, intent) => sum + intent.amountMinor, 0),
    perPaymentCapMinor: policy.perPaymentCapMinor,
    totalStoredCapMinor: policy.totalStoredCapMinor,
    maxAgeHours: policy.maxAgeMs / 3_600_000,
    oldestPendingAtMs: pending[0]?.createdAtMs ?? null,
  };
}
