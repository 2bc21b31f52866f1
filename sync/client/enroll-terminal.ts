/**
 * Enrollment: exchanges a one-time code (issued by `terminal backend enroll --name NAME`) for the
 * terminal's id and secret at `POST /v1/enroll` (unsigned), and stores them with the secret
 * encrypted at rest (terminal-credential-store.ts). Errors are `EnrollmentError` with a closed code.
 *
 * The answer carries the terminal's secret, so it never crosses a network in clear (docs/tls.md):
 * - `CODE#sha256=HEX` (`terminal backend enroll --tls-cert FILE`): the backend URL must be
 *   https://, and the code is sent only over a connection whose certificate has that SHA-256
 *   (pinned-tls-fetch.ts); the pin is stored with the credentials and every later call is pinned.
 *   Another certificate: `untrusted-certificate`, and the code was not sent.
 * - A plain code: over https:// the system CAs vouch for the backend; over http:// only a loopback
 *   backend (127.0.0.0/8, ::1, localhost) is accepted unless `allowInsecureHttp`
 *   (`insecure-transport` otherwise). So old codes keep working for http://127.0.0.1.
 */
import { backendRoutes, enrollResponseSchema, errorBodySchema } from '../protocol/backend-api.js';
import { isLoopbackHost, parseEnrollmentCode } from '../protocol/transport-security.js';
import { untrustedCertificateCodes } from './backend-http-client.js';
import { createPinnedFetch } from './pinned-tls-fetch.js';
import type { StoredIdentity, TerminalCredentialStore } from './terminal-credential-store.js';

export type EnrollmentErrorCode = 'unreachable' | 'code-invalid' | 'bad-response' | 'refused' | 'untrusted-certificate' | 'insecure-transport';

export class EnrollmentError extends Error {
  override readonly name = 'EnrollmentError';
  constructor(
    readonly code: EnrollmentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface EnrollOptions {
  readonly backendUrl: string;
  readonly code: string;
  readonly store: TerminalCredentialStore;
  readonly nowMs: number;
  readonly deviceInfo?: string;
  /** Accept plain HTTP to a non-loopback backend (the secret then crosses the network in clear). */
  readonly allowInsecureHttp?: boolean;
  readonly fetchImpl?: typeof fetch;
  readonly timeoutMs?: number;
}

/** The code (or innermost message) of a fetch failure. */
function failureCause(error: unknown): { code: string; message: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' || !(current.cause instanceof Error)) return { code: typeof code === 'string' ? code : '', message: current.message };
    current = current.cause;
  }
  return { code: '', message: String(current) };
}

export async function enrollTerminal(options: EnrollOptions): Promise<StoredIdentity> {
  const parsedCode = parseEnrollmentCode(options.code);
  if (!parsedCode.ok) throw new EnrollmentError('code-invalid', parsedCode.message);
  const { certificatePin } = parsedCode;
  let url: URL;
  try {
    url = new URL(backendRoutes.enroll.path, options.backendUrl.endsWith('/') ? options.backendUrl : `${options.backendUrl}/`);
  } catch {
    throw new EnrollmentError('refused', `"${options.backendUrl.slice(0, 200)}" is not a backend URL (like https://backend.example:8787)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EnrollmentError('refused', `the backend URL must be https:// (or http:// on loopback), got ${url.protocol}`);
  if (certificatePin !== undefined && url.protocol !== 'https:') {
    throw new EnrollmentError('insecure-transport', `the code carries the backend's certificate fingerprint, but ${url.origin} is not https://: use the backend's https:// address`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && options.allowInsecureHttp !== true) {
    throw new EnrollmentError('insecure-transport', `refusing to enroll over plain HTTP with ${url.origin}: the answer carries this terminal's secret. Use the backend's https:// address with a code from \`terminal backend enroll --tls-cert FILE\` (docs/tls.md), or accept the risk with --insecure-http`);
  }
  const fetchImpl = options.fetchImpl ?? (certificatePin !== undefined ? createPinnedFetch(certificatePin) : fetch);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: parsedCode.code, deviceInfo: options.deviceInfo }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    text = await response.text();
  } catch (error) {
    const cause = failureCause(error);
    if (untrustedCertificateCodes.has(cause.code)) throw new EnrollmentError('untrusted-certificate', `the backend at ${options.backendUrl} is not trusted, the code was not sent: ${cause.message}`);
    throw new EnrollmentError('unreachable', `the backend at ${options.backendUrl} cannot be reached: ${cause.message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EnrollmentError('bad-response', `the backend answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = errorBodySchema.safeParse(json);
    const code = error.success ? error.data.error.code : undefined;
    const message = error.success ? error.data.error.message : `HTTP ${response.status}`;
    throw new EnrollmentError(code === 'enrollment-code-invalid' || code === 'bad-request' ? 'code-invalid' : 'refused', `enrollment refused: ${message}`);
  }
  const parsed = enrollResponseSchema.safeParse(json);
  if (!parsed.success) throw new EnrollmentError('bad-response', `the enrollment answer does not match the API: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const identity: StoredIdentity = {
    backendUrl: options.backendUrl,
    terminalId: parsed.data.terminalId,
    terminalName: parsed.data.terminalName,
    terminalSecret: parsed.data.terminalSecret,
    enrolledAtMs: options.nowMs,
    ...(certificatePin !== undefined ? { certificatePin } : {}),
  };
  options.store.save(identity);
  return identity;
}
