/**
 * Hole #8.2: a login used to read the attempt count, wait for scrypt, then write the count, so
 * parallel logins all saw "0 wrong so far". These tests send wrong PINs in parallel against a real
 * journal file and count the scrypt checks that really ran.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CommandError } from '../../main/core/command-error.js';
import { Journal } from '../../sync/store/journal.js';
import type * as PinHashModule from '../../main/auth/pin-hash.js';
import { FakeClock } from '../support/fake-clock.js';

const scryptChecks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../main/auth/pin-hash.js', async (importOriginal) => {
  const actual = await importOriginal<typeof PinHashModule>();
  return {
    ...actual,
    verifyPin: (pin: string, stored: string) => {
      scryptChecks.count += 1;
      return actual.verifyPin(pin, stored);
    },
  };
});

const { hashPin } = await import('../../main/auth/pin-hash.js');
const { OperatorSessions } = await import('../../main/auth/operator-sessions.js');

const policy = { maxAttempts: 5, lockoutMs: 300_000 };
const rightPin = '4821';
let pinHash = '';
beforeAll(async () => {
  pinHash = await hashPin(rightPin);
});

const journals: Journal[] = [];
afterEach(() => {
  for (const journal of journals.splice(0)) journal.close();
});

function setUp() {
  const clock = new FakeClock(1_800_000_000_000);
  const file = join(mkdtempSync(join(tmpdir(), 'pin-race-')), 'journal.sqlite');
  const journal = Journal.open(file, { nowMs: () => clock.nowMs() });
  journals.push(journal);
  const sessions = new OperatorSessions([{ id: 'cashier', name: 'Cashier', role: 'cashier', pinHash }], journal, clock, policy);
  scryptChecks.count = 0;
  return { clock, journal, sessions, file };
}

function wrongPin(index: number): string {
  return String(5000 + (index % 4000)).padStart(4, '0');
}

async function outcomes(attempts: Promise<unknown>[]): Promise<{ sessions: number; codes: string[] }> {
  const settled = await Promise.allSettled(attempts);
  const codes = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason instanceof CommandError ? result.reason.code : String(result.reason)] : []));
  return { sessions: settled.filter((result) => result.status === 'fulfilled').length, codes };
}

function auditEvents(journal: Journal): { event: string; userId: string }[] {
  return journal
    .pendingOutbox(10_000)
    .filter((entry) => entry.kind === 'audit.recorded')
    .map((entry) => entry.payload as { event: string; userId: string });
}

describe('PIN lockout under parallel logins', () => {
  it('99 wrong PINs and the right one sent together give no session and check at most pinMaxAttempts', async () => {
    const { journal, sessions } = setUp();
    const attempts = [...Array.from({ length: 99 }, (_, index) => sessions.login('cashier', wrongPin(index))), sessions.login('cashier', rightPin)];
    const { sessions: opened, codes } = await outcomes(attempts);
    expect(opened).toBe(0);
    expect(scryptChecks.count).toBeLessThanOrEqual(policy.maxAttempts);
    expect(codes.filter((code) => code === 'locked-out').length).toBeGreaterThanOrEqual(100 - policy.maxAttempts);
    // The lockout holds afterwards, for the right PIN too.
    await expect(sessions.login('cashier', rightPin)).rejects.toMatchObject({ code: 'locked-out' });
    expect(journal.pinAttemptState('cashier').lockedUntilMs).toBeGreaterThan(0);
  });

  it('three batches of 200 wrong PINs check at most pinMaxAttempts in total', async () => {
    const { sessions } = setUp();
    for (let batch = 0; batch < 3; batch += 1) {
      await outcomes(Array.from({ length: 200 }, (_, index) => sessions.login('cashier', wrongPin(batch * 200 + index))));
    }
    expect(scryptChecks.count).toBeLessThanOrEqual(policy.maxAttempts);
  });

  it('journals every checked wrong PIN and the lockout as audit entries, without the PIN', async () => {
    const { journal, sessions } = setUp();
    await outcomes(Array.from({ length: 50 }, (_, index) => sessions.login('cashier', wrongPin(index))));
    const events = auditEvents(journal);
    expect(events.filter((event) => event.event === 'pin-rejected')).toHaveLength(scryptChecks.count);
    expect(events.filter((event) => event.event === 'pin-lockout')).toHaveLength(1);
    expect(events.every((event) => event.userId === 'cashier')).toBe(true);
    const payloads = JSON.stringify(journal.pendingOutbox(10_000).map((entry) => entry.payload));
    for (let index = 0; index < 50; index += 1) expect(payloads).not.toContain(`"${wrongPin(index)}"`);
  });

  it('keeps the sequential rules: four wrong PINs, then the right one opens a session', async () => {
    const { journal, sessions } = setUp();
    for (let index = 0; index < 4; index += 1) {
      await expect(sessions.login('cashier', wrongPin(index))).rejects.toMatchObject({ code: 'unauthenticated' });
    }
    await expect(sessions.login('cashier', rightPin)).resolves.toMatchObject({ user: { id: 'cashier' } });
    expect(journal.pinAttemptState('cashier')).toEqual({ failedAttempts: 0, lockedUntilMs: 0 });
    expect(auditEvents(journal).map((event) => event.event)).toEqual(['pin-rejected', 'pin-rejected', 'pin-rejected', 'pin-rejected']);
  });

  it('the fifth wrong PIN locks; the right PIN works again once the lockout has passed', async () => {
    const { clock, sessions } = setUp();
    for (let index = 0; index < 4; index += 1) await expect(sessions.login('cashier', wrongPin(index))).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(sessions.login('cashier', wrongPin(4))).rejects.toMatchObject({ code: 'locked-out', details: { retryAfterSeconds: 300 } });
    clock.jumpWallClock(policy.lockoutMs - 1);
    await expect(sessions.login('cashier', rightPin)).rejects.toMatchObject({ code: 'locked-out' });
    clock.jumpWallClock(1);
    await expect(sessions.login('cashier', rightPin)).resolves.toMatchObject({ user: { id: 'cashier' } });
  });

  it('the right PIN among the first pinMaxAttempts parallel attempts still opens a session', async () => {
    const { sessions } = setUp();
    const { sessions: opened } = await outcomes([sessions.login('cashier', wrongPin(0)), sessions.login('cashier', rightPin), sessions.login('cashier', wrongPin(1))]);
    expect(opened).toBe(1);
  });

  it('survives a restart: the count lives in the journal file', async () => {
    const { sessions, file, clock } = setUp();
    await outcomes(Array.from({ length: 3 }, (_, index) => sessions.login('cashier', wrongPin(index))));
    const reopened = Journal.open(file, { nowMs: () => clock.nowMs() });
    journals.push(reopened);
    const afterRestart = new OperatorSessions([{ id: 'cashier', name: 'Cashier', role: 'cashier', pinHash }], reopened, clock, policy);
    await expect(afterRestart.login('cashier', wrongPin(3))).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(afterRestart.login('cashier', wrongPin(4))).rejects.toMatchObject({ code: 'locked-out' });
  });
});
