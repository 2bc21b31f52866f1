/**
 * Operator log-in by user id and PIN, with the lockout persisted in the journal so a restart does
 * not reset it. Each attempt is reserved in the journal before its scrypt check
 * (pin-attempt-reservation.ts), so parallel logins check at most `maxAttempts` PINs per lockout;
 * every wrong PIN and every lockout is journaled as an audit outbox entry. Sessions live in
 * memory only and end after `idleTimeoutMs` without use.
 */
import { randomBytes } from 'node:crypto';
import type { Journal } from '../../sync/store/journal.js';
import type { Clock } from '../../kernel/clock.js';
import { CommandError } from '../core/command-error.js';
import type { LockoutPolicy } from '../domain/pin-lockout.js';
import { reservePinAttempt, settlePinAttempt } from './pin-attempt-reservation.js';
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
    // Reserved synchronously, before the first await: parallel logins each see the ones before.
    const reservation = this.journal.updatePinAttemptState(userId, (state) => {
      const reserved = reservePinAttempt(state, this.clock.nowMs(), this.policy);
      return { next: reserved.next, result: reserved };
    });
    if (reservation.kind === 'locked') throw lockedError(reservation.retryAfterMs);
    const matches = await verifyPin(pin, account.pinHash);
    const outcome = this.journal.updatePinAttemptState(userId, (state) => {
      const settled = settlePinAttempt(state, reservation.attemptNumber, matches, this.clock.nowMs(), this.policy);
      return { next: settled.next, audit: settled.audit, result: settled };
    });
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
