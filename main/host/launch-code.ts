/**
 * One-time launch codes: how the browser window gets the local API token without the token ever
 * being on a command line (any local user can read /proc/<pid>/cmdline).
 *
 * The launcher opens `<origin>/#launch=<code>`; the page takes the code out of the address bar
 * and exchanges it, once, for the session token (`answerLaunchExchange`, served by the host at
 * `POST /api/launch`). A code is 256 random bits, lives `ttlMs` (default 60 s), works once, and
 * is kept only as its SHA-256. On Linux a code is honoured only for a connection opened by this
 * process's own user (loopback-peer.ts): another user who read the code from the command line
 * cannot redeem it, and a code that was already used answers `used` (a sign it was stolen), which
 * the host logs.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CommandResult, ContractErrorCode } from '../contract/contract.js';
import { loopbackPeerUid, type LoopbackConnection } from '../security/loopback-peer.js';

export type LaunchCodeRedemption = 'redeemed' | 'unknown' | 'expired' | 'used';

export interface LaunchCodeStoreOptions {
  /** Epoch milliseconds. */
  readonly nowMs: () => number;
  readonly ttlMs?: number;
  /** Most codes alive at once; creating one more drops the oldest. */
  readonly maxLive?: number;
}

const codePattern = /^[A-Za-z0-9_-]{43}$/;

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

export class LaunchCodeStore {
  private readonly live = new Map<string, number>();
  /** Digests of redeemed codes until they would have expired, to tell `used` from `unknown`. */
  private readonly redeemed = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxLive: number;

  constructor(private readonly options: LaunchCodeStoreOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxLive = options.maxLive ?? 8;
  }

  /** A new code, valid once for `ttlMs`. */
  create(): string {
    this.forgetExpired();
    const code = randomBytes(32).toString('base64url');
    this.live.set(digest(code), this.options.nowMs() + this.ttlMs);
    for (const oldest of this.live.keys()) {
      if (this.live.size <= this.maxLive) break;
      this.live.delete(oldest);
    }
    return code;
  }

  /** Uses CODE up: 'redeemed' the first time within its lifetime, never again. */
  redeem(code: string): LaunchCodeRedemption {
    const key = digest(code);
    const nowMs = this.options.nowMs();
    const expiresAtMs = this.live.get(key);
    this.forgetExpired();
    if (expiresAtMs === undefined) return this.redeemed.has(key) ? 'used' : 'unknown';
    this.live.delete(key);
    if (expiresAtMs <= nowMs) return 'expired';
    this.redeemed.set(key, expiresAtMs);
    return 'redeemed';
  }

  private forgetExpired(): void {
    const nowMs = this.options.nowMs();
    for (const [key, expiresAtMs] of this.live) if (expiresAtMs <= nowMs) this.live.delete(key);
    for (const [key, expiresAtMs] of this.redeemed) if (expiresAtMs <= nowMs) this.redeemed.delete(key);
  }
}

/** What the host logs about an exchange (never the code or the token). */
export type LaunchExchangeOutcome = LaunchCodeRedemption | 'malformed' | 'other-user' | 'unknown-peer';

export interface LaunchExchangeAnswer {
  readonly status: number;
  readonly body: CommandResult<{ token: string }>;
  readonly outcome: LaunchExchangeOutcome;
}

export interface LaunchExchangeRequest {
  readonly store: LaunchCodeStore;
  /** The session token handed out for a good code. */
  readonly token: string;
  /** The parsed JSON request body; expected `{ "code": "<code>" }`. */
  readonly body: unknown;
  /** The request's socket: who opened it decides whether the code may be used (Linux). */
  readonly connection: LoopbackConnection;
}

function refusal(status: number, code: ContractErrorCode, message: string, outcome: LaunchExchangeOutcome): LaunchExchangeAnswer {
  return { status, outcome, body: { ok: false, error: { code, message, retryable: false } } };
}

/** Answers `POST /api/launch`: the token for a good, unused code presented by our own user. */
export function answerLaunchExchange(request: LaunchExchangeRequest): LaunchExchangeAnswer {
  const code = typeof request.body === 'object' && request.body !== null ? (request.body as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !codePattern.test(code)) {
    return refusal(400, 'invalid-argument', 'send {"code": "<launch code>"} as the JSON body', 'malformed');
  }
  // No uids on Windows; elsewhere the lookup itself answers `unavailable` where there is no /proc.
  const ownUid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (ownUid !== undefined) {
    const peer = loopbackPeerUid(request.connection);
    // Checked before the code is used up, so another user's try does not burn the real window's code.
    if (peer.kind === 'found' && peer.uid !== ownUid) return refusal(403, 'forbidden', 'this launch code belongs to another user', 'other-user');
    if (peer.kind === 'not-found') return refusal(403, 'forbidden', 'cannot tell which user opened this connection', 'unknown-peer');
  }
  const redemption = request.store.redeem(code);
  if (redemption !== 'redeemed') {
    return refusal(401, 'unauthenticated', `the launch code is ${redemption === 'unknown' ? 'not known' : redemption}; open the terminal's window again`, redemption);
  }
  return { status: 200, outcome: 'redeemed', body: { ok: true, value: { token: request.token } } };
}
