/**
 * The sandbox key: a random token (base64url of 32 bytes) that a client of the `/sandbox/*`
 * endpoints sends in `x-sandbox-key` (docs/backend-api.md#sandbox-wallet). It lives in a file
 * readable by its owner only (0600), so only someone who can read the backend's (or the embedded
 * sandbox's) data directory can pay QRs or mint codes. The backend creates it when absent; the
 * wallet CLI only reads it. Default place: `<data dir>/sandbox-access.key`, next to the backend's
 * default database and the wallet key.
 *
 * Every file failure is a `SandboxAccessKeyError` naming the file; the key itself is never put in
 * a message. `requireSandboxClient` is the endpoints' guard (loopback peer, no proxy, right key).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { dirname } from 'node:path';
import { sandboxAccessKeyHeader } from '../../../sync/protocol/backend-api.js';
import { isLoopbackAddress } from '../../../sync/protocol/transport-security.js';
import { BackendError } from '../../services/backend-error.js';

export const sandboxAccessKeyFileName = 'sandbox-access.key';

const keyPattern = /^[A-Za-z0-9_-]{43}$/;

export type SandboxAccessKeyErrorCode = 'missing' | 'unreadable' | 'malformed' | 'exposed';

export class SandboxAccessKeyError extends Error {
  override readonly name = 'SandboxAccessKeyError';
  constructor(
    readonly code: SandboxAccessKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the sandbox key in FILE (what `terminal wallet` sends). */
export function readSandboxAccessKey(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SandboxAccessKeyError('missing', `no sandbox key at ${file}: start the sandbox (\`terminal start\` with backend.url: sandbox, or \`terminal backend --sandbox\`) or pass --sandbox-key FILE`);
    }
    throw new SandboxAccessKeyError('unreadable', `cannot read the sandbox key ${file}: ${(error as Error).message}`);
  }
  const key = text.trim();
  if (!keyPattern.test(key)) throw new SandboxAccessKeyError('malformed', `${file} is not a sandbox key (expected 43 base64url characters); delete it and restart the sandbox to make a new one`);
  return key;
}

/**
 * Reads FILE, or creates it (exclusively, 0600, in a 0700 folder) with a fresh key when absent.
 * Refuses (on POSIX) a key file that others may read: anyone who can read it can pay sandbox QRs.
 */
export function loadOrCreateSandboxAccessKey(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SandboxAccessKeyError('unreadable', `cannot create the sandbox key ${file}: ${(error as Error).message}`);
  }
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new SandboxAccessKeyError('exposed', `the sandbox key ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  return readSandboxAccessKey(file);
}

/** Constant-time comparison of a presented key with the expected one (any length). */
export function sandboxAccessKeyMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/** Headers a reverse proxy adds: a request carrying one did not come from this machine's user directly. */
const proxyHeaders = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * The `/sandbox/*` guard: throws `forbidden` unless the peer is loopback and no proxy relayed the
 * request, then `unauthenticated` unless `x-sandbox-key` holds ACCESSKEY.
 */
export function requireSandboxClient(client: { readonly remoteAddress: string | undefined; readonly headers: IncomingHttpHeaders }, accessKey: string): void {
  if (!isLoopbackAddress(client.remoteAddress) || proxyHeaders.some((name) => client.headers[name] !== undefined)) {
    throw new BackendError('forbidden', 'the sandbox endpoints answer only clients on this machine (loopback, not through a proxy)');
  }
  const presented = client.headers[sandboxAccessKeyHeader];
  if (!sandboxAccessKeyMatches(accessKey, typeof presented === 'string' ? presented : undefined)) {
    throw new BackendError('unauthenticated', `the sandbox endpoints need the sandbox key in ${sandboxAccessKeyHeader} (\`terminal wallet\` reads it from the data directory, or --sandbox-key FILE)`);
  }
}
