/**
 * The one error type backend handlers throw for a request they refuse. The server turns it into
 * the HTTP status of `errorHttpStatus[code]` and the body `{ error: { code, message, retryable } }`;
 * anything else thrown becomes `internal` (500) and is logged.
 */
import type { z } from 'zod';
import { type BackendErrorCode, errorHttpStatus } from '../../sync/protocol/backend-api.js';

/** Codes a client may sensibly retry with the same request (given a fresh signature). */
const retryableByDefault: ReadonlySet<BackendErrorCode> = new Set(['provider-unavailable', 'internal', 'stale-timestamp']);

export interface BackendErrorIssue {
  readonly path: string;
  readonly message: string;
}

export class BackendError extends Error {
  override readonly name = 'BackendError';
  readonly retryable: boolean;
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly issues?: readonly BackendErrorIssue[] } = {},
  ) {
    super(message);
    this.retryable = options.retryable ?? retryableByDefault.has(code);
    this.issues = options.issues;
  }

  readonly issues: readonly BackendErrorIssue[] | undefined;

  get httpStatus(): number {
    return errorHttpStatus[this.code];
  }

  toBody(): { error: { code: BackendErrorCode; message: string; retryable: boolean; issues?: BackendErrorIssue[] } } {
    return { error: { code: this.code, message: this.message, retryable: this.retryable, ...(this.issues ? { issues: [...this.issues] } : {}) } };
  }

  /** A `bad-request` naming every field zod complained about. */
  static fromZod(what: string, error: z.ZodError): BackendError {
    const issues = error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
    const first = issues[0];
    const summary = first ? `${first.path}: ${first.message}` : 'invalid';
    return new BackendError('bad-request', `invalid ${what}: ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { issues });
  }
}
