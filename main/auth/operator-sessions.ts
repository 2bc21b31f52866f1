/**
 * Operator log-in by user id and PIN, with the lockout persisted in the journal so a restart does
 * not reset it. Sessions live in memory only and end after `idleTimeoutMs` without use.
 */
import { randomBytes } from 'node:crypto';
import type { Journal } from '../../sync/store/journal.js';
import type { Clock } from '../../kernel/clock.js';
import { CommandError } from '../core/command-error.js';
import { recordPinAttempt, type LockoutPolicy } from '../domain/pin-lockout.js';
import { roleAllows, type Permission, type Role } from '../domain/roles.js';
import { verifyPin } from './pin-hash.js';

export interface OperatorAccount {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly pinHash: string;
}

export interface OperatorSession {
  readonly sessionId: string;
  readonly user: { readonly id: string; readonly name: string; readonly role: Role };
  expiresAtMs: number;
}

export class OperatorSessions {
  private readonly sessions = new Map<string, OperatorSession>();

  constructor(
    private readonly accounts: readonly OperatorAccount[],
    private readonly journal: Journal,
    private readonly clock: Clock,
    private readonly policy: LockoutPolicy,
    private readonly idleTimeoutMs = 8 * 60 * 60 * 1000,
  ) {}

  listUsers(): { id: string; name: string; role: Role }[] {
    return this.accounts.map(({ id, name, role }) => ({ id, name, role }));
  }

  async login(userId: string, pin: string): Promise<OperatorSession> {
    const account = this.accounts.find((candidate) => candidate.id === userId);
    // Same message for unknown users and wrong PINs would hide typos from a cashier picking from a
    // list; the user list is public on the screen anyway, so say which.
    if (!account) throw new CommandError('not-found', `unknown user "${userId}"`);
    const before = this.journal.pinAttemptState(userId);
    const nowMs = this.clock.nowMs();
    if (before.lockedUntilMs > nowMs) {
      throw lockedError(before.lockedUntilMs - nowMs);
    }
    const matches = await verifyPin(pin, account.pinHash);
    const outcome = recordPinAttempt(before, matches, this.clock.nowMs(), this.policy);
    this.journal.savePinAttemptState(userId, outcome.next);
    switch (outcome.kind) {
      case 'locked':
        throw lockedError(outcome.retryAfterMs);
      case 'rejected':
        throw new CommandError('unauthenticated', `wrong PIN; ${outcome.attemptsLeft} attempt(s) left before a lockout`, false, { reason: 'wrong-pin', params: { attemptsLeft: outcome.attemptsLeft } });
      case 'accepted': {
        const session: OperatorSession = {
          sessionId: randomBytes(24).toString('base64url'),
          user: { id: account.id, name: account.name, role: account.role },
          expiresAtMs: this.clock.nowMs() + this.idleTimeoutMs,
        };
        this.sessions.set(session.sessionId, session);
        return session;
      }
    }
  }

  logout(sessionId: string): boolean {
    return this.sessions.delete(sessionId);
  }

  /** The live session for SESSIONID that grants PERMISSION; extends its idle timeout. */
  require(sessionId: string | undefined, permission: Permission): OperatorSession {
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    const nowMs = this.clock.nowMs();
    if (!session || session.expiresAtMs <= nowMs) {
      if (session) this.sessions.delete(session.sessionId);
      throw new CommandError('unauthenticated', 'log in with your PIN first');
    }
    if (!roleAllows(session.user.role, permission)) {
      throw new CommandError('forbidden', `a ${session.user.role} may not do "${permission}"`);
    }
    session.expiresAtMs = nowMs + this.idleTimeoutMs;
    return session;
  }
}

function lockedError(retryAfterMs: number): CommandError {
  const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
  return new CommandError('locked-out', `too many wrong PINs; try again in ${retryAfterSeconds} s`, true, { retryAfterSeconds });
}
