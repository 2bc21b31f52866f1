/**
 * Customer-presented offline payment codes: Ed25519-signed tokens the wallet issues (private key)
 * and the terminal verifies with the wallet's public key alone, no network. Format (see
 * docs/offline-codes.md):
 *
 *   OFL1.<base64url(claims)>.<base64url(signature)>
 *
 * claims, big-endian: u8 keyId length, keyId (UTF-8) | u8 payerId length, payerId (UTF-8) |
 * 16-byte codeId | u32 amountLimitMinor | u64 issuedAtMs | u64 expiresAtMs.
 * The signature is Ed25519 (RFC 8032) over the ASCII text before the second dot ("OFL1." and the
 * claims part), so the version prefix is signed too.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { offlineCodePrefix, type OfflineCodeClaims } from './offline-code-claims.js';

export type OfflineCodeRefusal = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'not-yet-valid';

export type OfflineCodeVerification =
  | { readonly ok: true; readonly claims: OfflineCodeClaims }
  | { readonly ok: false; readonly reason: OfflineCodeRefusal; readonly message: string };

/** Thrown by `issueOfflineCode` for claims it cannot encode (a wallet-side programming error). */
export class OfflineCodeIssueError extends Error {
  override readonly name = 'OfflineCodeIssueError';
}

export interface OfflineCodeIssueRequest {
  /** Ed25519 private key (KeyObject or PKCS#8 PEM). */
  readonly privateKey: KeyObject | string;
  readonly keyId: string;
  readonly payerId: string;
  /** Fen, 1 … 2^32 − 1. */
  readonly amountLimitMinor: number;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  /** 16 bytes; random when omitted. */
  readonly codeId?: Uint8Array;
}

/** Public keys the terminal trusts, by key id (PEM SPKI strings or KeyObjects). */
export type OfflineCodeKeyring = ReadonlyMap<string, KeyObject | string>;

export interface OfflineCodeVerifyOptions {
  readonly publicKeys: OfflineCodeKeyring;
  readonly nowMs: number;
  /** Clock difference tolerated before "not yet valid", ms (default 60 s). */
  readonly clockSkewToleranceMs?: number;
}

const codeIdBytes = 16;
const maxLabelBytes = 64;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** A fresh wallet key pair as PEM (SPKI public, PKCS#8 private). */
export function generateOfflineCodeKeyPair(): { readonly publicKeyPem: string; readonly privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function label(field: string, value: string): Buffer {
  const bytes = Buffer.from(textEncoder.encode(value));
  if (bytes.length === 0 || bytes.length > maxLabelBytes) throw new OfflineCodeIssueError(`${field} must be 1 to ${maxLabelBytes} UTF-8 bytes`);
  return bytes;
}

function encodeClaims(request: OfflineCodeIssueRequest, codeId: Uint8Array): Buffer {
  const keyId = label('keyId', request.keyId);
  const payerId = label('payerId', request.payerId);
  if (codeId.length !== codeIdBytes) throw new OfflineCodeIssueError(`codeId must be ${codeIdBytes} bytes`);
  if (!Number.isSafeInteger(request.amountLimitMinor) || request.amountLimitMinor <= 0 || request.amountLimitMinor > 0xffffffff) {
    throw new OfflineCodeIssueError('amountLimitMinor must be a whole number of fen from 1 to 4294967295');
  }
  for (const [field, value] of [['issuedAtMs', request.issuedAtMs], ['expiresAtMs', request.expiresAtMs]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new OfflineCodeIssueError(`${field} must be non-negative epoch milliseconds`);
  }
  if (request.expiresAtMs <= request.issuedAtMs) throw new OfflineCodeIssueError('expiresAtMs must be after issuedAtMs');
  const fixed = Buffer.alloc(codeIdBytes + 4 + 8 + 8);
  fixed.set(codeId, 0);
  fixed.writeUInt32BE(request.amountLimitMinor, codeIdBytes);
  fixed.writeBigUInt64BE(BigInt(request.issuedAtMs), codeIdBytes + 4);
  fixed.writeBigUInt64BE(BigInt(request.expiresAtMs), codeIdBytes + 12);
  return Buffer.concat([Buffer.from([keyId.length]), keyId, Buffer.from([payerId.length]), payerId, fixed]);
}

/** Wallet side: signs the claims and returns the code text to show as a QR code. */
export function issueOfflineCode(request: OfflineCodeIssueRequest): string {
  const privateKey = typeof request.privateKey === 'string' ? createPrivateKey(request.privateKey) : request.privateKey;
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new OfflineCodeIssueError('the wallet key must be Ed25519');
  const claims = encodeClaims(request, request.codeId ?? randomBytes(codeIdBytes));
  const signed = `${offlineCodePrefix}${claims.toString('base64url')}`;
  const signature = sign(null, Buffer.from(signed, 'ascii'), privateKey);
  return `${signed}.${signature.toString('base64url')}`;
}

type ParsedCode = { readonly signed: string; readonly claims: OfflineCodeClaims; readonly signature: Buffer };

function readLabel(bytes: Buffer, offset: number): { value: string; next: number } | null {
  const length = bytes[offset];
  if (length === undefined || length === 0 || length > maxLabelBytes || offset + 1 + length > bytes.length) return null;
  try {
    return { value: textDecoder.decode(bytes.subarray(offset + 1, offset + 1 + length)), next: offset + 1 + length };
  } catch (error) {
    if (error instanceof TypeError) return null; // invalid UTF-8: the code is malformed
    throw error;
  }
}

function parseCode(code: string): ParsedCode | string {
  if (!code.startsWith(offlineCodePrefix)) return `an offline code starts with "${offlineCodePrefix}"`;
  const parts = code.slice(offlineCodePrefix.length).split('.');
  const [claimsText, signatureText] = parts;
  if (parts.length !== 2 || !claimsText || !signatureText) return 'an offline code has exactly two dot-separated parts after the prefix';
  if (!/^[A-Za-z0-9_-]+$/.test(claimsText) || !/^[A-Za-z0-9_-]+$/.test(signatureText)) return 'the code parts must be base64url';
  const bytes = Buffer.from(claimsText, 'base64url');
  const signature = Buffer.from(signatureText, 'base64url');
  if (signature.length !== 64) return 'the signature must be 64 bytes';
  const keyId = readLabel(bytes, 0);
  const payerId = keyId && readLabel(bytes, keyId.next);
  if (!keyId || !payerId) return 'the key id or payer id is malformed';
  const offset = payerId.next;
  if (bytes.length !== offset + codeIdBytes + 20) return 'the claims have the wrong length';
  const issuedAt = bytes.readBigUInt64BE(offset + codeIdBytes + 4);
  const expiresAt = bytes.readBigUInt64BE(offset + codeIdBytes + 12);
  if (issuedAt > BigInt(Number.MAX_SAFE_INTEGER) || expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) return 'the timestamps are out of range';
  const claims: OfflineCodeClaims = {
    keyId: keyId.value,
    payerId: payerId.value,
    codeId: bytes.subarray(offset, offset + codeIdBytes).toString('hex'),
    amountLimitMinor: bytes.readUInt32BE(offset + codeIdBytes),
    issuedAtMs: Number(issuedAt),
    expiresAtMs: Number(expiresAt),
  };
  return { signed: code.slice(0, offlineCodePrefix.length + claimsText.length), claims, signature };
}

function publicKeyFor(keyring: OfflineCodeKeyring, keyId: string): KeyObject | null {
  const key = keyring.get(keyId);
  if (key === undefined) return null;
  return typeof key === 'string' ? createPublicKey(key) : key;
}

/**
 * Terminal side: checks format, key, signature and validity window, in that order. Never throws
 * for any code text; a keyring entry that is not a usable key is a configuration error and throws.
 */
export function verifyOfflineCode(code: string, options: OfflineCodeVerifyOptions): OfflineCodeVerification {
  const parsed = parseCode(code);
  if (typeof parsed === 'string') return { ok: false, reason: 'malformed', message: parsed };
  const { claims } = parsed;
  const publicKey = publicKeyFor(options.publicKeys, claims.keyId);
  if (!publicKey) return { ok: false, reason: 'unknown-key', message: `no wallet public key "${claims.keyId}" in the terminal settings` };
  if (!verify(null, Buffer.from(parsed.signed, 'ascii'), publicKey, parsed.signature)) {
    return { ok: false, reason: 'bad-signature', message: 'the signature does not match the wallet key' };
  }
  const tolerance = options.clockSkewToleranceMs ?? 60_000;
  if (options.nowMs + tolerance < claims.issuedAtMs) return { ok: false, reason: 'not-yet-valid', message: 'the code is issued in the future: check the terminal clock' };
  if (options.nowMs >= claims.expiresAtMs) return { ok: false, reason: 'expired', message: 'the code has expired' };
  return { ok: true, claims };
}
