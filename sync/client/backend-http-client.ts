/**
 * The terminal's HTTP client for the reference backend (sync/protocol/backend-api.ts): signs every
 * request (sync/protocol/request-signing.ts), verifies every signed answer, validates bodies with
 * the shared zod schemas, and turns every way a call can go wrong into one `BackendCallError`.
 *
 * Error contract (`BackendCallError.kind`):
 * - `unreachable`: refused / no route before anything was sent; the request had no effect.
 * - `timeout`: no complete answer in time, or the connection broke after sending: outcome unknown.
 * - `server-error`: 5xx: outcome unknown.
 * - `bad-response`: malformed, truncated or off-schema body: outcome unknown.
 * - `bad-signature`: a missing or wrong response signature: outcome unknown (never trusted).
 * - `rejected`: the backend refused the request as such (4xx): it had no effect.
 * - `clock-skew`: refused for its timestamp even after correcting by the server's clock.
 * - `duplicate-delivery`: refused as a replay (`nonce-reused`): the network delivered this very
 *   request twice, so its first delivery may have taken effect: outcome unknown.
 * - `untrusted-certificate`: the backend's TLS certificate is not the pinned one (or, unpinned,
 *   not trusted by the system CAs), or a pinned terminal was pointed at http://: the request was
 *   never sent; it had no effect.
 *
 * TLS pinning (docs/tls.md): credentials carrying `certificatePin` (from an enrollment code
 * `CODE#sha256=HEX`) are used over pinned-tls-fetch.ts, which accepts only the certificate with
 * that SHA-256 and never plain HTTP.
 *
 * Clock skew: the offset to the server clock is learned from every verified answer and applied to
 * request timestamps, so a terminal clock that jumps ±24 h keeps working (a stale-timestamp refusal
 * is retried once with the corrected time; it was not processed).
 */
import type { z } from 'zod';
import type { Clock } from '../../kernel/clock.js';
import { errorBodySchema, type BackendErrorCode } from '../protocol/backend-api.js';
import { buildSignedHeaders, newNonce, signingHeaders, verifyResponseSignature } from '../protocol/request-signing.js';
import { createPinnedFetch } from './pinned-tls-fetch.js';

export type BackendCallErrorKind = 'unreachable' | 'timeout' | 'server-error' | 'bad-response' | 'bad-signature' | 'rejected' | 'clock-skew' | 'duplicate-delivery' | 'untrusted-certificate';

export class BackendCallError extends Error {
  override readonly name = 'BackendCallError';
  constructor(
    readonly kind: BackendCallErrorKind,
    message: string,
    /** The backend's error code when it answered with a (verified) error body. */
    readonly backendCode: BackendErrorCode | null = null,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

export interface TerminalCredentials {
  readonly terminalId: string;
  /** base64url of the 32-byte HMAC key. */
  readonly terminalSecret: string;
  /** SHA-256 (64 lowercase hex digits) of the backend's TLS certificate, pinned at enrollment. */
  readonly certificatePin?: string | undefined;
}

export interface BackendHttpClientOptions {
  readonly baseUrl: string;
  readonly credentials: TerminalCredentials;
  readonly clock: Clock;
  /** Per-request timeout unless the call gives its own. */
  readonly timeoutMs?: number;
  /** Replaces the transport (tests); by default fetch, or the pinned fetch when the credentials carry a pin. */
  readonly fetchImpl?: typeof fetch;
}

export interface CallOptions {
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
  readonly timeoutMs?: number;
  /** Extra request headers (If-None-Match). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CallResult<T> {
  readonly status: number;
  readonly body: T | null;
  readonly headers: Headers;
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** Certificate refusals (the pin, or OpenSSL's chain and host-name checks): the TLS handshake failed before anything was sent. */
export const untrustedCertificateCodes: ReadonlySet<string> = new Set([
  'ERR_TLS_CERT_PIN_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
]);

/** The innermost message of a fetch failure (fetch's own is only "fetch failed"). */
function causeMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (!(current.cause instanceof Error)) return current.message;
    current = current.cause;
  }
  return String(current);
}

function causeCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export class BackendHttpClient {
  private offsetMs = 0;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: BackendHttpClientOptions) {
    const pin = options.credentials.certificatePin;
    this.fetchImpl = options.fetchImpl ?? (pin ? createPinnedFetch(pin) : fetch);
  }

  /** Server clock minus terminal clock, learned from verified answers (ms). */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  get terminalId(): string {
    return this.options.credentials.terminalId;
  }

  /**
   * Sends a signed request and returns the verified, schema-checked body (`null` for 304).
   * 2xx and 304 resolve; everything else rejects with `BackendCallError`.
   */
  async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, options: CallOptions = {}): Promise<CallResult<z.output<S>>> {
    try {
      return await this.callOnce(method, path, schema, options);
    } catch (error) {
      if (error instanceof BackendCallError && error.backendCode === 'stale-timestamp') {
        // Not processed; the offset has been corrected from the signed answer: try once more.
        try {
          return await this.callOnce(method, path, schema, options);
        } catch (retryError) {
          if (retryError instanceof BackendCallError && retryError.backendCode === 'stale-timestamp') {
            throw new BackendCallError('clock-skew', retryError.message, 'stale-timestamp', retryError.httpStatus);
          }
          throw retryError;
        }
      }
      throw error;
    }
  }

  private async callOnce<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, options: CallOptions): Promise<CallResult<z.output<S>>> {
    const query = options.query ? `?${new URLSearchParams(Object.entries(options.query).map(([key, value]): [string, string] => [key, String(value)])).toString()}` : '';
    const pathWithQuery = `${path}${query}`;
    const bodyText = options.body === undefined ? '' : JSON.stringify(options.body);
    const nonce = newNonce();
    const timestampMs = Math.round(this.options.clock.nowMs() + this.offsetMs);
    const headers: Record<string, string> = {
      ...options.headers,
      ...buildSignedHeaders(this.options.credentials.terminalId, this.options.credentials.terminalSecret, { method, path: pathWithQuery, timestampMs, nonce, body: bodyText }),
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(pathWithQuery, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    const signal = AbortSignal.timeout(timeoutMs);

    let response: Response;
    let raw: Uint8Array;
    try {
      response = await this.fetchImpl(url, { method, headers, body: options.body === undefined ? undefined : bodyText, signal });
    } catch (error) {
      if (unreachableCodes.has(causeCode(error))) throw new BackendCallError('unreachable', `the backend at ${this.options.baseUrl} cannot be reached (${causeCode(error)})`);
      if (untrustedCertificateCodes.has(causeCode(error))) throw new BackendCallError('untrusted-certificate', `the backend at ${this.options.baseUrl} is not trusted: ${causeMessage(error)}`);
      throw new BackendCallError('timeout', `no answer from the backend for ${method} ${path} (${signal.aborted ? `timed out after ${timeoutMs} ms` : causeCode(error) || (error as Error).message})`);
    }
    try {
      raw = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new BackendCallError('timeout', `the answer to ${method} ${path} broke off (${signal.aborted ? `timed out after ${timeoutMs} ms` : causeCode(error) || (error as Error).message})`);
    }

    const serverTimeText = response.headers.get(signingHeaders.serverTime);
    const serverTimeMs = serverTimeText !== null && /^\d{1,16}$/.test(serverTimeText) ? Number(serverTimeText) : null;
    const signed =
      serverTimeMs !== null &&
      verifyResponseSignature(this.options.credentials.terminalSecret, { status: response.status, requestNonce: nonce, serverTimeMs, body: raw }, response.headers.get(signingHeaders.responseSignature));
    if (!signed) {
      if (response.status >= 500) throw new BackendCallError('server-error', `the backend answered ${response.status} (unsigned) to ${method} ${path}`, null, response.status);
      throw new BackendCallError('bad-signature', `the answer to ${method} ${path} (HTTP ${response.status}) is not signed by the backend; it is not trusted`, null, response.status);
    }
    this.offsetMs = serverTimeMs - this.options.clock.nowMs();

    if (response.status === 304) return { status: 304, body: null, headers: response.headers };
    const text = new TextDecoder().decode(raw);
    let json: unknown;
    try {
      json = text.length === 0 ? null : JSON.parse(text);
    } catch {
      throw new BackendCallError('bad-response', `the answer to ${method} ${path} (HTTP ${response.status}) is not valid JSON (${raw.length} bytes, maybe truncated)`, null, response.status);
    }
    if (response.status >= 200 && response.status < 300) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new BackendCallError('bad-response', `the answer to ${method} ${path} does not match the API: ${parsed.error.issues[0]?.message ?? 'invalid'}`, null, response.status);
      return { status: response.status, body: parsed.data as z.output<S>, headers: response.headers };
    }
    const error = errorBodySchema.safeParse(json);
    const code = error.success ? error.data.error.code : null;
    const message = error.success ? error.data.error.message : `HTTP ${response.status}`;
    if (response.status >= 500) throw new BackendCallError('server-error', `the backend failed (${response.status} ${code ?? ''}): ${message}`, code, response.status);
    if (code === 'nonce-reused') throw new BackendCallError('duplicate-delivery', `the backend saw this request twice (${message}); its first delivery may have taken effect`, code, response.status);
    throw new BackendCallError('rejected', `the backend refused ${method} ${path} (${response.status} ${code ?? ''}): ${message}`, code, response.status);
  }
}
