/**
 * Test harness for the reference backend: a real server on 127.0.0.1 port 0 over a real SQLite
 * temp file, a settable clock, an enrolled terminal and a client that signs like a terminal.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollResponseSchema, sandboxAccessKeyHeader } from '../../sync/protocol/backend-api.js';
import { buildSignedHeaders, newNonce, signingHeaders, verifyResponseSignature } from '../../sync/protocol/request-signing.js';
import { type BackendOptions, type RunningBackend, startBackend } from '../../backend/start-backend.js';
import { FakeClock } from '../support/fake-clock.js';

export interface SignedResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
  /** Whether x-backend-signature verifies for this terminal and this request's nonce. */
  readonly signatureValid: boolean;
  readonly serverTimeMs: number;
}

export interface RequestOptions {
  readonly nonce?: string;
  readonly timestampMs?: number;
  readonly headers?: Record<string, string>;
  /** Send these bytes instead of JSON.stringify(body). */
  readonly rawBody?: string;
  /** Sign this body instead of the one sent (to forge a mismatch). */
  readonly signedBody?: string;
  readonly secret?: string;
}

export class TerminalClient {
  constructor(
    readonly baseUrl: string,
    readonly terminalId: string,
    readonly secret: string,
    private readonly clock: { nowMs(): number },
  ) {}

  async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, options: RequestOptions = {}): Promise<SignedResponse> {
    const text = options.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
    const nonce = options.nonce ?? newNonce();
    const headers: Record<string, string> = {
      ...buildSignedHeaders(this.terminalId, options.secret ?? this.secret, { method, path, timestampMs: options.timestampMs ?? this.clock.nowMs(), nonce, body: options.signedBody ?? text }),
      ...(text.length > 0 ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: text.length > 0 ? text : undefined });
    const responseText = await response.text();
    const serverTimeMs = Number(response.headers.get(signingHeaders.serverTime));
    return {
      status: response.status,
      headers: response.headers,
      text: responseText,
      json: responseText.length > 0 && response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(responseText) : undefined,
      signatureValid: verifyResponseSignature(this.secret, { status: response.status, requestNonce: nonce, serverTimeMs, body: responseText }, response.headers.get(signingHeaders.responseSignature)),
      serverTimeMs,
    };
  }
}

export interface BackendFixture {
  readonly backend: RunningBackend;
  readonly clock: FakeClock;
  readonly dir: string;
  readonly dbFile: string;
  /** Enrolls a new terminal over HTTP and returns a client for it. */
  enrollTerminal(name?: string): Promise<TerminalClient>;
  /** The sandbox key header a `/sandbox/*` client must send. */
  sandboxHeaders(): Record<string, string>;
  /** POSTs BODY as JSON to a `/sandbox/*` PATH with the sandbox key. */
  postSandbox(path: string, body: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

export async function startBackendFixture(options: Partial<BackendOptions> = {}): Promise<BackendFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'backend-test-'));
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  const dbFile = join(dir, 'backend.sqlite');
  const errors: unknown[] = [];
  const backend = await startBackend({
    dbFile,
    port: 0,
    clock,
    sandbox: { walletKeyFile: join(dir, 'wallet-key.json'), sleep: async () => undefined },
    logError: (_message, error) => errors.push(error),
    ...options,
  });
  const sandboxHeaders = () => ({ [sandboxAccessKeyHeader]: readFileSync(backend.sandboxAccessKeyFile ?? '', 'utf8').trim() });
  return {
    backend,
    clock,
    dir,
    dbFile,
    async enrollTerminal(name = 'Counter 1') {
      const { code } = backend.registry.issueEnrollmentCode(name);
      const response = await fetch(`${backend.url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      if (response.status !== 201) throw new Error(`enrollment failed: ${response.status} ${await response.text()}`);
      const enrolled = enrollResponseSchema.parse(await response.json());
      return new TerminalClient(backend.url, enrolled.terminalId, enrolled.terminalSecret, clock);
    },
    sandboxHeaders,
    postSandbox(path, body) {
      return postJson(`${backend.url}${path}`, body, sandboxHeaders());
    },
    async close() {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`the backend logged unexpected errors: ${errors.map(String).join('; ')}`);
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}
