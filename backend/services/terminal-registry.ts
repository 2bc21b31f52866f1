/**
 * Enrolled terminals, their one-time enrollment codes and the nonces of recent signed requests
 * (tables `terminals`, `enrollment_codes`, `nonces`).
 *
 * Contracts:
 * - An enrollment code is stored only as its SHA-256, expires after its TTL and is consumed by the
 *   first successful exchange (in one transaction, so two racing exchanges cannot both win).
 * - `authenticate` accepts a request only when the terminal exists, the HMAC matches, the
 *   timestamp is within ±5 min of the injected clock and the nonce was not seen before; the nonce
 *   is remembered until the timestamp leaves the window, so a replay inside it is refused.
 */
import type Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { BackendError } from './backend-error.js';
import { newTerminalSecret, readSignedHeaders, sha256Hex, signatureWindowMs, verifyRequestSignature } from '../../sync/protocol/request-signing.js';

const codeAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const defaultEnrollmentTtlMs = 60 * 60 * 1000;

export interface EnrolledTerminal {
  readonly id: string;
  readonly name: string;
  readonly secret: string;
  readonly enrolledAtMs: number;
}

export interface IssuedEnrollmentCode {
  /** Grouped for reading aloud: ABCD-EFGH-JKLM. */
  readonly code: string;
  readonly name: string;
  readonly expiresAtMs: number;
}

interface TerminalRow {
  id: string;
  name: string;
  secret: string;
  enrolled_at_ms: number;
  revoked_at_ms: number | null;
}

function newEnrollmentCode(): string {
  const bytes = randomBytes(12);
  let code = '';
  for (const byte of bytes) code += codeAlphabet[byte % codeAlphabet.length];
  return code;
}

export class TerminalRegistry {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  /** Issues a one-time enrollment code for a terminal to be called NAME. */
  issueEnrollmentCode(name: string, ttlMs: number = defaultEnrollmentTtlMs): IssuedEnrollmentCode {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 64) throw new BackendError('bad-request', 'a terminal name is 1 to 64 characters');
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new BackendError('bad-request', 'the enrollment code lifetime must be a positive number of milliseconds');
    const code = newEnrollmentCode();
    const nowMs = this.clock.nowMs();
    this.db.prepare('INSERT INTO enrollment_codes (code, name, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)').run(sha256Hex(code), trimmed, nowMs, nowMs + ttlMs);
    return { code: `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`, name: trimmed, expiresAtMs: nowMs + ttlMs };
  }

  /**
   * Exchanges a normalised code (12 characters, no dashes) for a new terminal identity. Throws
   * `enrollment-code-invalid` for an unknown, expired or already used code (one message for all
   * three, so the answer does not help guessing).
   */
  enroll(code: string): EnrolledTerminal {
    const nowMs = this.clock.nowMs();
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT name, expires_at_ms, used_at_ms FROM enrollment_codes WHERE code = ?').get(sha256Hex(code)) as
        | { name: string; expires_at_ms: number; used_at_ms: number | null }
        | undefined;
      if (!row || row.used_at_ms !== null || row.expires_at_ms <= nowMs) {
        throw new BackendError('enrollment-code-invalid', 'the enrollment code is unknown, expired or already used; issue a new one with `terminal backend enroll --name NAME`');
      }
      const terminal: EnrolledTerminal = { id: `T-${randomUUID()}`, name: row.name, secret: newTerminalSecret(), enrolledAtMs: nowMs };
      this.db.prepare('INSERT INTO terminals (id, name, secret, enrolled_at_ms) VALUES (?, ?, ?, ?)').run(terminal.id, terminal.name, terminal.secret, nowMs);
      this.db.prepare('UPDATE enrollment_codes SET used_at_ms = ?, terminal_id = ? WHERE code = ?').run(nowMs, terminal.id, sha256Hex(code));
      return terminal;
    }).immediate();
  }

  findTerminal(terminalId: string): EnrolledTerminal | undefined {
    const row = this.db.prepare('SELECT * FROM terminals WHERE id = ? AND revoked_at_ms IS NULL').get(terminalId) as TerminalRow | undefined;
    return row && { id: row.id, name: row.name, secret: row.secret, enrolledAtMs: row.enrolled_at_ms };
  }

  listTerminals(): EnrolledTerminal[] {
    return (this.db.prepare('SELECT * FROM terminals WHERE revoked_at_ms IS NULL ORDER BY enrolled_at_ms').all() as TerminalRow[]).map((row) => ({
      id: row.id,
      name: row.name,
      secret: row.secret,
      enrolledAtMs: row.enrolled_at_ms,
    }));
  }

  /**
   * Identifies the terminal from the signing headers (without checking anything else), so the
   * server can sign even its refusals. Undefined when the headers are malformed or name nobody.
   */
  identify(headers: Readonly<Record<string, string | string[] | undefined>>): { terminal: EnrolledTerminal; nonce: string } | undefined {
    const read = readSignedHeaders(headers);
    if (!read.ok) return undefined;
    const terminal = this.findTerminal(read.terminalId);
    return terminal && { terminal, nonce: read.nonce };
  }

  /** Full check of a signed request; throws the `BackendError` naming the first failure. */
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, request: { method: string; path: string; body: Uint8Array }): EnrolledTerminal {
    const read = readSignedHeaders(headers);
    if (!read.ok) throw new BackendError('unauthenticated', `this request must be signed: ${read.message}`);
    const terminal = this.findTerminal(read.terminalId);
    if (!terminal) throw new BackendError('unknown-terminal', `no enrolled terminal "${read.terminalId}"; enroll it again`);
    const nowMs = this.clock.nowMs();
    const check = verifyRequestSignature(terminal.secret, read, request, nowMs);
    if (!check.ok) throw new BackendError(check.code, check.message);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM nonces WHERE expires_at_ms < ?').run(nowMs);
      const inserted = this.db
        .prepare('INSERT INTO nonces (terminal_id, nonce, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(terminal.id, read.nonce, Math.max(nowMs, read.timestampMs) + signatureWindowMs);
      if (inserted.changes === 0) throw new BackendError('nonce-reused', 'this nonce was already used: a request is never accepted twice (sign each attempt with a new nonce)');
    }).immediate();
    return terminal;
  }
}
