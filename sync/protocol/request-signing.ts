/**
 * HMAC-SHA256 request and response signing between a terminal and the backend, shared by both.
 *
 * Request: the terminal sends the headers in `signingHeaders` and signs the canonical string
 *
 *     TERMINAL-HMAC-SHA256\n<METHOD>\n<path with query, exactly as sent>\n<timestamp ms>\n<nonce>\n<hex sha256(body bytes)>
 *
 * with its secret (base64url of 32 bytes; the key is the decoded bytes); the signature is lowercase
 * hex. An empty body hashes the empty string. The server refuses a timestamp more than
 * `signatureWindowMs` away from its clock and a nonce it has already seen within the window.
 *
 * Response: for every request that named a known terminal, the server answers with
 * `x-backend-time-ms` and `x-backend-signature` over
 *
 *     TERMINAL-HMAC-SHA256-RESPONSE\n<status>\n<request nonce>\n<x-backend-time-ms>\n<hex sha256(body bytes)>
 *
 * so a terminal can tell a genuine answer to THIS request from a forged, altered or replayed one.
 * A 304 has an empty body. Pure computation: callers pass the time in.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const signingHeaders = {
  terminalId: 'x-terminal-id',
  timestamp: 'x-terminal-timestamp',
  nonce: 'x-terminal-nonce',
  signature: 'x-terminal-signature',
  /** On every response, signed or not: the server's clock in epoch ms. */
  serverTime: 'x-backend-time-ms',
  responseSignature: 'x-backend-signature',
} as const;

/** ±5 minutes: requests whose timestamp is further from the server clock are `stale-timestamp`. */
export const signatureWindowMs = 5 * 60 * 1000;

const noncePattern = /^[A-Za-z0-9_-]{16,64}$/;
const timestampPattern = /^\d{1,16}$/;
const signaturePattern = /^[0-9a-f]{64}$/;
const secretPattern = /^[A-Za-z0-9_-]{43}$/;

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A fresh terminal secret: base64url of 32 random bytes. */
export function newTerminalSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh request nonce: 24 random bytes as base64url (32 characters). */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

export function isWellFormedSecret(secret: string): boolean {
  return secretPattern.test(secret);
}

function secretKey(secret: string): Buffer {
  if (!isWellFormedSecret(secret)) throw new Error('a terminal secret is 43 base64url characters (32 bytes)');
  return Buffer.from(secret, 'base64url');
}

export interface RequestToSign {
  readonly method: string;
  /** Path plus query string exactly as it goes on the wire, e.g. `/v1/events?after=3&waitMs=0`. */
  readonly path: string;
  readonly timestampMs: number;
  readonly nonce: string;
  readonly body: Uint8Array | string;
}

export function canonicalRequest(request: RequestToSign): string {
  return ['TERMINAL-HMAC-SHA256', request.method.toUpperCase(), request.path, String(request.timestampMs), request.nonce, sha256Hex(request.body)].join('\n');
}

export function signRequest(secret: string, request: RequestToSign): string {
  return createHmac('sha256', secretKey(secret)).update(canonicalRequest(request)).digest('hex');
}

/**
 * The four headers a terminal adds to a request (the caller picks the nonce and time; use
 * `newNonce()` and its clock). Returns a plain record for `fetch`/`http.request`.
 */
export function buildSignedHeaders(terminalId: string, secret: string, request: RequestToSign): Record<string, string> {
  return {
    [signingHeaders.terminalId]: terminalId,
    [signingHeaders.timestamp]: String(request.timestampMs),
    [signingHeaders.nonce]: request.nonce,
    [signingHeaders.signature]: signRequest(secret, request),
  };
}

/** The signing headers read off a request, before the terminal's secret is known. */
export interface SignedRequestHeaders {
  readonly terminalId: string;
  readonly timestampMs: number;
  readonly nonce: string;
  readonly signature: string;
}

export type HeaderProblem = { readonly ok: false; readonly message: string };

/** Reads and checks the shape of the signing headers; `ok: false` names the first problem. */
export function readSignedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): ({ readonly ok: true } & SignedRequestHeaders) | HeaderProblem {
  const single = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const terminalId = single(signingHeaders.terminalId);
  const timestamp = single(signingHeaders.timestamp);
  const nonce = single(signingHeaders.nonce);
  const signature = single(signingHeaders.signature);
  if (!terminalId || terminalId.length > 64) return { ok: false, message: `missing or malformed ${signingHeaders.terminalId} header` };
  if (!timestamp || !timestampPattern.test(timestamp)) return { ok: false, message: `missing or malformed ${signingHeaders.timestamp} header (epoch milliseconds)` };
  if (!nonce || !noncePattern.test(nonce)) return { ok: false, message: `missing or malformed ${signingHeaders.nonce} header (16–64 base64url characters)` };
  if (!signature || !signaturePattern.test(signature)) return { ok: false, message: `missing or malformed ${signingHeaders.signature} header (64 lowercase hex digits)` };
  return { ok: true, terminalId, timestampMs: Number(timestamp), nonce, signature };
}

/** Constant-time comparison of two lowercase-hex signatures. */
export function signaturesEqual(expectedHex: string, actualHex: string): boolean {
  if (!signaturePattern.test(expectedHex) || !signaturePattern.test(actualHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(actualHex, 'hex'));
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'bad-signature' | 'stale-timestamp'; readonly message: string };

/**
 * Checks a request's signature and timestamp against `nowMs` (the server clock). Nonce reuse is
 * the caller's check (it needs storage). The signature is checked first, so a stale-timestamp
 * answer is only ever given to someone holding the secret.
 */
export function verifyRequestSignature(secret: string, headers: SignedRequestHeaders, request: Omit<RequestToSign, 'timestampMs' | 'nonce'>, nowMs: number): SignatureCheck {
  const expected = signRequest(secret, { ...request, timestampMs: headers.timestampMs, nonce: headers.nonce });
  if (!signaturesEqual(expected, headers.signature)) {
    return { ok: false, code: 'bad-signature', message: 'the request signature does not match (wrong secret, or the method, path, body or signing headers were altered)' };
  }
  if (Math.abs(nowMs - headers.timestampMs) > signatureWindowMs) {
    return { ok: false, code: 'stale-timestamp', message: `the request timestamp is ${Math.round((headers.timestampMs - nowMs) / 1000)} s away from the server clock (allowed ±${signatureWindowMs / 1000} s); check the terminal's clock` };
  }
  return { ok: true };
}

export interface ResponseToSign {
  readonly status: number;
  /** The nonce of the request this answers. */
  readonly requestNonce: string;
  readonly serverTimeMs: number;
  readonly body: Uint8Array | string;
}

export function canonicalResponse(response: ResponseToSign): string {
  return ['TERMINAL-HMAC-SHA256-RESPONSE', String(response.status), response.requestNonce, String(response.serverTimeMs), sha256Hex(response.body)].join('\n');
}

export function signResponse(secret: string, response: ResponseToSign): string {
  return createHmac('sha256', secretKey(secret)).update(canonicalResponse(response)).digest('hex');
}

/**
 * Terminal side: true when `signature` (the `x-backend-signature` header) proves the backend
 * holding this terminal's secret sent exactly this status and body in answer to `requestNonce`.
 */
export function verifyResponseSignature(secret: string, response: ResponseToSign, signature: string | null | undefined): boolean {
  if (!signature) return false;
  return signaturesEqual(signResponse(secret, response), signature);
}
