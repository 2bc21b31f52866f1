/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the delay before retry ATTEMPT (1-based) is uniform in [0, min(capMs, baseMs · 2^(attempt−1))).
 * RANDOM returns a number in [0, 1) and is injected so tests are deterministic.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

/** The upper bound of the jitter window for ATTEMPT: what the delay can at most be. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

export function fullJitterDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}
