/**
 * The customer's side of the sandbox wallet, over HTTP: pay a merchant-presented QR and register
 * an online payment code (`/sandbox/*` endpoints of the reference backend; never the terminal
 * API). Every request carries the sandbox key (`x-sandbox-key`, sandbox-access-key.ts); the
 * backend answers these endpoints only on loopback. Every failure is a `SandboxWalletClientError`:
 * `unreachable` (no connection or timeout), `refused` (the backend answered with an error body:
 * its message is kept) or `bad-response`. The key is never put in a message.
 */
import type { z } from 'zod';
import {
  errorBodySchema,
  routePath,
  sandboxAccessKeyHeader,
  type SandboxWalletCodeRequest,
  type SandboxWalletCodeResponse,
  sandboxWalletCodeResponseSchema,
  type SandboxWalletPayRequest,
  type SandboxWalletPayResponse,
  sandboxWalletPayResponseSchema,
} from '../../../sync/protocol/backend-api.js';

export class SandboxWalletClientError extends Error {
  override readonly name = 'SandboxWalletClientError';
  constructor(
    readonly code: 'unreachable' | 'refused' | 'bad-response',
    message: string,
  ) {
    super(message);
  }
}

export class SandboxWalletClient {
  constructor(
    private readonly baseUrl: string,
    /** The contents of the backend's sandbox key file. */
    private readonly accessKey: string,
    private readonly timeoutMs = 10_000,
  ) {}

  payQr(request: SandboxWalletPayRequest): Promise<SandboxWalletPayResponse> {
    return this.post(routePath('sandboxWalletPay'), request, sandboxWalletPayResponseSchema);
  }

  issueCode(request: SandboxWalletCodeRequest): Promise<SandboxWalletCodeResponse> {
    return this.post(routePath('sandboxWalletCode'), request, sandboxWalletCodeResponseSchema);
  }

  private async post<T extends z.ZodType>(path: string, body: unknown, schema: T): Promise<z.output<T>> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [sandboxAccessKeyHeader]: this.accessKey }, body: JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new SandboxWalletClientError('unreachable', `the backend at ${this.baseUrl} cannot be reached (${(error as Error).message}); is \`terminal backend\` running?`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON at all: not our backend, or a proxy's error page.
      throw new SandboxWalletClientError('bad-response', `the backend answered ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) {
      const error = errorBodySchema.safeParse(json);
      throw new SandboxWalletClientError(error.success ? 'refused' : 'bad-response', error.success ? error.data.error.message : `the backend answered ${response.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new SandboxWalletClientError('bad-response', `unexpected answer from the backend: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }
}
