/**
 * A `fetch` for HTTPS backends whose certificate the terminal pinned at enrollment (docs/tls.md).
 * Node's global fetch cannot pin, so this one speaks HTTP/1.1 over `node:https` with its own
 * connection step:
 *
 * - Each new TLS connection is checked before it is handed to a request: the SHA-256 of the peer
 *   certificate's DER bytes must equal the pin. The pin replaces CA and host-name checks (a
 *   self-signed certificate on an IP address is fine); any other certificate closes the connection
 *   and the request fails with a `TlsPinError` (`code` ERR_TLS_CERT_PIN_MISMATCH) WITHOUT a byte
 *   of it having been sent. TLS sessions are never resumed, so every connection shows its
 *   certificate.
 * - A plain `http://` URL fails the same way (`not-https`): a pinned terminal never downgrades.
 * - Other failures look like fetch's: a `TypeError('fetch failed')` whose `cause` carries the
 *   socket error's `code` (ECONNREFUSED, ECONNRESET…); an aborted signal rejects with its reason.
 * - Only what the terminal's clients use: method, string headers, a string body, a signal. The
 *   answer is read whole before the `Response` is returned.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export type TlsPinErrorReason = 'certificate-mismatch' | 'not-https';

/** The backend did not present the pinned certificate; nothing was sent. */
export class TlsPinError extends Error {
  override readonly name = 'TlsPinError';
  readonly code = 'ERR_TLS_CERT_PIN_MISMATCH';
  constructor(
    readonly reason: TlsPinErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Idle pooled connections close after this long, well before the backend's own keep-alive limit. */
const idleSocketMs = 4_000;
/** A TCP + TLS handshake that takes longer fails with ETIMEDOUT (the caller's signal may end it sooner). */
const connectTimeoutMs = 15_000;

class PinnedAgent extends Agent {
  constructor(private readonly pin: Buffer) {
    super({ keepAlive: true, maxCachedSessions: 0, timeout: idleSocketMs });
  }

  /** Connects, then hands the socket over only once its certificate matched the pin. */
  override createConnection(options: ConnectionOptions, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    const socket: TLSSocket = tlsConnect({ ...options, rejectUnauthorized: false, session: undefined });
    socket.setTimeout(connectTimeoutMs);
    const onError = (error: Error) => callback(error);
    const onTimeout = () => socket.destroy(Object.assign(new Error(`no TLS connection within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    socket.once('error', onError);
    socket.once('timeout', onTimeout);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(idleSocketMs);
      const raw = socket.getPeerCertificate(true)?.raw;
      const actual = raw ? createHash('sha256').update(raw).digest() : undefined;
      if (!actual || !timingSafeEqual(actual, this.pin)) {
        socket.destroy();
        callback(new TlsPinError('certificate-mismatch', `the backend presented a certificate with SHA-256 ${actual?.toString('hex') ?? '(none)'}, not the pinned ${this.pin.toString('hex')}; nothing was sent (a different server, or its certificate was replaced: enroll again with a new code)`));
        return;
      }
      callback(null, socket);
    });
    return undefined;
  }
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  return Object.fromEntries(new Headers(init).entries());
}

/** Statuses whose Response must have a null body. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** A fetch that talks only to the backend presenting the certificate with SHA-256 PIN (64 hex digits). */
export function createPinnedFetch(pin: string): typeof fetch {
  const agent = new PinnedAgent(Buffer.from(pin, 'hex'));
  const pinnedFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') {
      return Promise.reject(new TypeError('fetch failed', { cause: new TlsPinError('not-https', `this terminal pinned its backend's certificate, but ${url.origin} is not https://; nothing was sent`) }));
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (init.body !== undefined && init.body !== null && body === undefined) return Promise.reject(new TypeError('the pinned fetch sends string bodies only'));
    return new Promise<Response>((resolve, reject) => {
      const headers = plainHeaders(init.headers);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const request = httpsRequest(url, { method: init.method ?? 'GET', headers, agent });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (error: Error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
      };
      request.once('error', fail);
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('close', () => {
          if (!response.complete) fail(Object.assign(new Error('the answer broke off'), { code: 'ECONNRESET' }));
        });
        response.once('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const status = response.statusCode ?? 0;
          const payload = Buffer.concat(chunks);
          try {
            resolve(new Response(nullBodyStatuses.has(status) ? null : payload, { status, statusText: response.statusMessage ?? '', headers: toHeaders(response.headers) }));
          } catch (error) {
            // A status fetch cannot represent (below 200 or above 599): a broken answer.
            reject(new TypeError('fetch failed', { cause: error }));
          }
        });
      });
      request.end(body);
    });
  };
  return pinnedFetch as typeof fetch;
}
