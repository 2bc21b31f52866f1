import type { CommandOutput } from '../../main/contract/contract.js';

export type StoredOperatorSession = CommandOutput<'auth.login'>;

const storageKey = 'terminal.operatorSession';

/**
 * Keeps the logged-in operator across a reload of the page (this tab only: sessionStorage), until
 * the session's own expiry. The core stays the judge: a command answered `unauthenticated` drops it.
 */
export const operatorSessionStore = {
  load(nowMs: number): StoredOperatorSession | undefined {
    try {
      const text = sessionStorage.getItem(storageKey);
      if (!text) return undefined;
      const session = JSON.parse(text) as StoredOperatorSession;
      if (typeof session.sessionId !== 'string' || typeof session.expiresAtMs !== 'number' || session.expiresAtMs <= nowMs) {
        sessionStorage.removeItem(storageKey);
        return undefined;
      }
      return session;
    } catch {
      // Unreadable storage (disabled, or a value from another version): start logged out.
      return undefined;
    }
  },
  save(session: StoredOperatorSession | undefined): void {
    if (session) sessionStorage.setItem(storageKey, JSON.stringify(session));
    else sessionStorage.removeItem(storageKey);
  },
};
