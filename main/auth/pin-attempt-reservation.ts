/**
 * PIN attempts as reservations, pure (the caller passes the time and stores the returned state in
 * one journal transaction):
 *
 * 1. `reservePinAttempt`, BEFORE the slow scrypt check: counts the attempt as failed up front, so
 *    parallel logins see each other. The attempt that uses up the last try also sets the lockout
 *    provisionally; every later attempt is refused unchecked until it expires. At most
 *    `maxAttempts` checks can therefore ever run per lockout round, in parallel or not, and a
 *    crash during a check leaves the attempt counted (never a free try).
 * 2. `settlePinAttempt`, after the check: a right PIN on a granted reservation clears the count
 *    and the lockout (it was one of the allowed tries); a wrong one stays counted and, when it was
 *    the last try, (re)starts the lockout from now.
 */
import { isLocked, initialPinAttemptState, type LockoutPolicy, type PinAttemptState } from '../domain/pin-lockout.js';

export type PinReservation =
  | { readonly kind: 'reserved'; readonly next: PinAttemptState; readonly attemptNumber: number }
  | { readonly kind: 'locked'; readonly next: undefined; readonly retryAfterMs: number };

export type PinAuditEvent = { readonly event: 'pin-rejected'; readonly attemptNumber: number; readonly maxAttempts: number } | { readonly event: 'pin-lockout'; readonly lockedUntilMs: number; readonly failedAttempts: number };

export type PinSettlement =
  | { readonly kind: 'accepted'; readonly next: PinAttemptState; readonly audit: readonly PinAuditEvent[] }
  | { readonly kind: 'rejected'; readonly next: PinAttemptState | undefined; readonly audit: readonly PinAuditEvent[]; readonly attemptsLeft: number }
  | { readonly kind: 'locked'; readonly next: PinAttemptState | undefined; readonly audit: readonly PinAuditEvent[]; readonly retryAfterMs: number };

export function reservePinAttempt(state: PinAttemptState, nowMs: number, policy: LockoutPolicy): PinReservation {
  if (isLocked(state, nowMs)) return { kind: 'locked', next: undefined, retryAfterMs: state.lockedUntilMs - nowMs };
  // An expired lockout starts a fresh round of attempts.
  const current = state.lockedUntilMs > 0 ? initialPinAttemptState : state;
  const attemptNumber = current.failedAttempts + 1;
  const lockedUntilMs = attemptNumber >= policy.maxAttempts ? nowMs + policy.lockoutMs : 0;
  return { kind: 'reserved', next: { failedAttempts: attemptNumber, lockedUntilMs }, attemptNumber };
}

/** Settles the reservation numbered ATTEMPTNUMBER once the PIN check gave PINMATCHES. */
export function settlePinAttempt(state: PinAttemptState, attemptNumber: number, pinMatches: boolean, nowMs: number, policy: LockoutPolicy): PinSettlement {
  if (pinMatches) return { kind: 'accepted', next: initialPinAttemptState, audit: [] };
  const rejected: PinAuditEvent = { event: 'pin-rejected', attemptNumber, maxAttempts: policy.maxAttempts };
  // A right PIN settled since this reservation reset the round: this wrong PIN came before it.
  const roundWasReset = state.failedAttempts < attemptNumber;
  if (attemptNumber < policy.maxAttempts || roundWasReset) {
    if (isLocked(state, nowMs)) return { kind: 'locked', next: undefined, audit: [rejected], retryAfterMs: state.lockedUntilMs - nowMs };
    return { kind: 'rejected', next: undefined, audit: [rejected], attemptsLeft: Math.max(1, policy.maxAttempts - state.failedAttempts) };
  }
  const lockedUntilMs = nowMs + policy.lockoutMs;
  return {
    kind: 'locked',
    next: { failedAttempts: state.failedAttempts, lockedUntilMs },
    audit: [rejected, { event: 'pin-lockout', lockedUntilMs, failedAttempts: state.failedAttempts }],
    retryAfterMs: policy.lockoutMs,
  };
}
