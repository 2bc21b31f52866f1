import { describe, expect, it } from 'vitest';
import { reservePinAttempt, settlePinAttempt } from '../../../main/auth/pin-attempt-reservation.js';
import { initialPinAttemptState } from '../../../main/domain/pin-lockout.js';

const policy = { maxAttempts: 3, lockoutMs: 60_000 };

describe('PIN attempt reservations', () => {
  it('counts a reservation as failed up front and locks provisionally on the last try', () => {
    const first = reservePinAttempt(initialPinAttemptState, 0, policy);
    expect(first).toEqual({ kind: 'reserved', next: { failedAttempts: 1, lockedUntilMs: 0 }, attemptNumber: 1 });
    const third = reservePinAttempt({ failedAttempts: 2, lockedUntilMs: 0 }, 10, policy);
    expect(third).toEqual({ kind: 'reserved', next: { failedAttempts: 3, lockedUntilMs: 60_010 }, attemptNumber: 3 });
    expect(reservePinAttempt({ failedAttempts: 3, lockedUntilMs: 60_010 }, 20, policy)).toEqual({ kind: 'locked', next: undefined, retryAfterMs: 59_990 });
  });

  it('an unsettled last try (a crash during its check) leaves a lockout that expires into a fresh round', () => {
    expect(reservePinAttempt({ failedAttempts: 3, lockedUntilMs: 60_000 }, 60_000, policy)).toMatchObject({ kind: 'reserved', attemptNumber: 1 });
  });

  it('a right PIN on a granted reservation clears the round, even the provisional lockout', () => {
    expect(settlePinAttempt({ failedAttempts: 3, lockedUntilMs: 60_000 }, 3, true, 5, policy)).toEqual({ kind: 'accepted', next: initialPinAttemptState, audit: [] });
  });

  it('a wrong PIN stays counted; the last one restarts the lockout from now and is audited twice', () => {
    expect(settlePinAttempt({ failedAttempts: 1, lockedUntilMs: 0 }, 1, false, 5, policy)).toEqual({
      kind: 'rejected',
      next: undefined,
      audit: [{ event: 'pin-rejected', attemptNumber: 1, maxAttempts: 3 }],
      attemptsLeft: 2,
    });
    expect(settlePinAttempt({ failedAttempts: 3, lockedUntilMs: 60_000 }, 3, false, 500, policy)).toEqual({
      kind: 'locked',
      next: { failedAttempts: 3, lockedUntilMs: 60_500 },
      audit: [
        { event: 'pin-rejected', attemptNumber: 3, maxAttempts: 3 },
        { event: 'pin-lockout', lockedUntilMs: 60_500, failedAttempts: 3 },
      ],
      retryAfterMs: 60_000,
    });
  });

  it('a wrong PIN settled after a right one reset the round does not count again or lock', () => {
    expect(settlePinAttempt(initialPinAttemptState, 3, false, 5, policy)).toMatchObject({ kind: 'rejected', next: undefined, attemptsLeft: 3 });
  });
});
