/**
 * PIN attempt accounting, pure: the caller passes the time and persists the returned state.
 * After `maxAttempts` consecutive wrong PINs the user is locked until `lockedUntilMs`; a correct
 * PIN while locked is still refused, so a lockout cannot be brute-forced through.
 */

export interface PinAttemptState {
  readonly failedAttempts: number;
  /** Epoch milliseconds; 0 when not locked. */
  readonly lockedUntilMs: number;
}

export interface LockoutPolicy {
  readonly maxAttempts: number;
  readonly lockoutMs: number;
}

export const initialPinAttemptState: PinAttemptState = { failedAttempts: 0, lockedUntilMs: 0 };

export type PinAttemptOutcome =
  | { readonly kind: 'accepted'; readonly next: PinAttemptState }
  | { readonly kind: 'rejected'; readonly next: PinAttemptState; readonly attemptsLeft: number }
  | { readonly kind: 'locked'; readonly next: PinAttemptState; readonly retryAfterMs: number };

export function isLocked(state: PinAttemptState, nowMs: number): boolean {
  return state.lockedUntilMs > nowMs;
}

export function recordPinAttempt(
  state: PinAttemptState,
  pinMatches: boolean,
  nowMs: number,
  policy: LockoutPolicy,
): PinAttemptOutcome {
  if (isLocked(state, nowMs)) {
    return { kind: 'locked', next: state, retryAfterMs: state.lockedUntilMs - nowMs };
  }
  // An expired lockout starts a fresh round of attempts.
  const current = state.lockedUntilMs > 0 ? initialPinAttemptState : state;
  if (pinMatches) return { kind: 'accepted', next: initialPinAttemptState };
  const failedAttempts = current.failedAttempts + 1;
  if (failedAttempts >= policy.maxAttempts) {
    const next = { failedAttempts, lockedUntilMs: nowMs + policy.lockoutMs };
    return { kind: 'locked', next, retryAfterMs: policy.lockoutMs };
  }
  return { kind: 'rejected', next: { failedAttempts, lockedUntilMs: 0 }, attemptsLeft: policy.maxAttempts - failedAttempts };
}
