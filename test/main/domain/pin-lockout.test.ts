import { describe, expect, it } from 'vitest';
import { initialPinAttemptState, recordPinAttempt, type PinAttemptState } from '../../../main/domain/pin-lockout.js';
import { roleAllows } from '../../../main/domain/roles.js';

const policy = { maxAttempts: 5, lockoutMs: 300_000 };

describe('PIN lockout', () => {
  it('locks after 5 wrong PINs and refuses even the right PIN until the lockout ends', () => {
    let state: PinAttemptState = initialPinAttemptState;
    const nowMs = 1_000_000;
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const outcome = recordPinAttempt(state, false, nowMs, policy);
      expect(outcome).toMatchObject({ kind: 'rejected', attemptsLeft: 5 - attempt });
      state = outcome.next;
    }
    const fifth = recordPinAttempt(state, false, nowMs, policy);
    expect(fifth).toMatchObject({ kind: 'locked', retryAfterMs: 300_000 });
    state = fifth.next;
    expect(recordPinAttempt(state, true, nowMs + 299_999, policy)).toMatchObject({ kind: 'locked', retryAfterMs: 1 });
    const after = recordPinAttempt(state, true, nowMs + 300_000, policy);
    expect(after).toEqual({ kind: 'accepted', next: initialPinAttemptState });
  });

  it('starts a fresh count after a lockout expires', () => {
    const locked: PinAttemptState = { failedAttempts: 5, lockedUntilMs: 500 };
    expect(recordPinAttempt(locked, false, 600, policy)).toMatchObject({ kind: 'rejected', attemptsLeft: 4 });
  });

  it('resets the count on a correct PIN', () => {
    const outcome = recordPinAttempt({ failedAttempts: 3, lockedUntilMs: 0 }, true, 0, policy);
    expect(outcome.next).toEqual(initialPinAttemptState);
  });
});

describe('roles', () => {
  it('lets only supervisors refund and only technicians configure devices', () => {
    expect(roleAllows('cashier', 'sale.create')).toBe(true);
    expect(roleAllows('cashier', 'sale.refund')).toBe(false);
    expect(roleAllows('supervisor', 'sale.refund')).toBe(true);
    expect(roleAllows('supervisor', 'device.configure')).toBe(false);
    expect(roleAllows('technician', 'device.configure')).toBe(true);
    expect(roleAllows('technician', 'sale.create')).toBe(false);
  });
});
