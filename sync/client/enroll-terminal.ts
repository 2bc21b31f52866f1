/**
 * Enrollment: exchanges a one-time code (issued by `terminal backend enroll --name NAME`) for the
 * terminal's id and secret at `POST /v1/enroll` (unsigned), and stores them with the secret
 * encrypted at rest (terminal-credential-store.ts). Errors are `EnrollmentError` with a closed code.
 */
import { backendRoutes, enrollResponseSchema, errorBodySchema } from '../protocol/backend-api.js';
import type { StoredIdentity, TerminalCredentialStore } from './terminal-credential-store.js';

export type EnrollmentErrorCode = 'unreachable' | 'code-invalid' | 'bad-response' | 'refused';

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
  readonly fetchImpl?: typeof fetch;
  readonly timeoutMs?: number;
}

export async function enrollTerminal(options: EnrollOptions): Promise<StoredIdentity> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const url = new URL(backendRoutes.enroll.path, options.backendUrl.endsWith('/') ? options.backendUrl : `${options.backendUrl}/`);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: options.code, deviceInfo: options.deviceInfo }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    text = await response.text();
  } catch (error) {
    throw new EnrollmentError('unreachable', `the backend at ${options.backendUrl} cannot be reached: ${(error as Error).message}`);
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
  };
  options.store.save(identity);
  return identity;
}
