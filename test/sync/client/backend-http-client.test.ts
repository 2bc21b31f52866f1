/**
 * The signing HTTP client against the real backend: clock jumps of ±24 h are corrected from the
 * signed server time; unsigned, truncated, slow and dropped answers become typed errors whose
 * outcome is unknown; a refused connection is `unreachable` (nothing happened).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPaymentBackend } from '../../../main/payments/http-payment-backend.js';
import { PaymentBackendError } from '../../../main/payments/payment-backend.js';
import { systemTimers } from '../../../kernel/system-timers.js';
import { terminalInfoResponseSchema } from '../../../sync/protocol/backend-api.js';
import { startBackend, type RunningBackend } from '../../../backend/start-backend.js';
import { BackendCallError, BackendHttpClient } from '../../../sync/client/backend-http-client.js';
import { enrollTerminal, EnrollmentError } from '../../../sync/client/enroll-terminal.js';
import { TerminalCredentialStore, type StoredIdentity } from '../../../sync/client/terminal-credential-store.js';
import { FaultProxy } from '../../support/fault-proxy.js';

let dir: string;
let backend: RunningBackend;
let identity: StoredIdentity;
let proxy: FaultProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'http-client-'));
  backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), port: 0, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') }, logError: () => undefined });
  proxy = await FaultProxy.start(backend.url);
  const { code } = backend.registry.issueEnrollmentCode('HTTP client test');
  mkdirSync(join(dir, 'terminal'));
  identity = await enrollTerminal({ backendUrl: backend.url, code, store: new TerminalCredentialStore(join(dir, 'terminal')), nowMs: Date.now() });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await backend?.close();
});

function client(options: { baseUrl?: string; offsetMs?: number; timeoutMs?: number } = {}): BackendHttpClient {
  return new BackendHttpClient({ baseUrl: options.baseUrl ?? backend.url, credentials: identity, clock: { nowMs: () => Date.now() + (options.offsetMs ?? 0) }, timeoutMs: options.timeoutMs ?? 2_000 });
}

async function callError(promise: Promise<unknown>): Promise<BackendCallError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendCallError);
  return error as BackendCallError;
}

describe('enrollment and the stored identity', () => {
  it('stores the secret encrypted (0600 files) and loads it back; a used code is refused', async () => {
    const store = new TerminalCredentialStore(join(dir, 'terminal'));
    const loaded = store.load();
    expect(loaded?.terminalSecret).toBe(identity.terminalSecret);
    const { readFileSync, statSync } = await import('node:fs');
    expect(readFileSync(store.file, 'utf8')).not.toContain(identity.terminalSecret);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(store.directory, 'secret.key')).mode & 0o777).toBe(0o600);
    const error = await enrollTerminal({ backendUrl: backend.url, code: 'AAAA-BBBB-CCCC', store: new TerminalCredentialStore(join(dir, 'other')), nowMs: Date.now() }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EnrollmentError);
    expect((error as EnrollmentError).code).toBe('code-invalid');
  });
});

describe('BackendHttpClient', () => {
  it('signs requests and verifies answers', async () => {
    const { body } = await client().call('GET', '/v1/terminal', terminalInfoResponseSchema);
    expect(body?.terminalId).toBe(identity.terminalId);
  });

  it.each([24 * 3600_000, -24 * 3600_000])('corrects a terminal clock off by %i ms from the signed server time', async (offsetMs) => {
    const skewed = client({ offsetMs });
    const { body } = await skewed.call('GET', '/v1/terminal', terminalInfoResponseSchema);
    expect(body?.terminalId).toBe(identity.terminalId);
    expect(Math.abs(skewed.clockOffsetMs + offsetMs)).toBeLessThan(60_000);
  });

  it('says unreachable for a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await callError(client({ baseUrl: `http://127.0.0.1:${port}` }).call('GET', '/v1/terminal', terminalInfoResponseSchema));
    expect(error.kind).toBe('unreachable');
  });

  it.each([
    ['500', 'server-error'],
    ['timeout', 'timeout'],
    ['drop-after-commit', 'timeout'],
    ['truncate', 'timeout'],
    ['refuse', 'timeout'],
  ] as const)('turns a %s from the network into %s (outcome unknown)', async (fault, kind) => {
    proxy.schedule = () => fault;
    const error = await callError(client({ baseUrl: proxy.url, timeoutMs: 800 }).call('GET', '/v1/terminal', terminalInfoResponseSchema));
    expect(error.kind).toBe(kind);
    proxy.schedule = () => 'pass';
    const mapped = new PaymentBackendError(error.kind === 'server-error' ? 'server-error' : 'timeout', error.message);
    expect(mapped.outcomeUnknown).toBe(true);
  });

  it('refuses answers that are unsigned, malformed or signed with another key', async () => {
    let reply: (response: ServerResponse) => void = () => undefined;
    const fake: Server = createServer((_request, response) => reply(response));
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      reply = (response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ terminalId: identity.terminalId, terminalName: 'x', enrolledAtMs: 1, serverTimeMs: 1 }));
      expect((await callError(client({ baseUrl: url }).call('GET', '/v1/terminal', terminalInfoResponseSchema))).kind).toBe('bad-signature');
      reply = (response) => response.writeHead(200, { 'x-backend-time-ms': String(Date.now()), 'x-backend-signature': 'a'.repeat(64) }).end('{"terminalId":');
      expect((await callError(client({ baseUrl: url }).call('GET', '/v1/terminal', terminalInfoResponseSchema))).kind).toBe('bad-signature');
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });

  it('a replayed request (the network delivered it twice) is an unknown outcome, not a refusal', async () => {
    proxy.schedule = () => 'duplicate';
    const error = await callError(client({ baseUrl: proxy.url }).call('GET', '/v1/terminal', terminalInfoResponseSchema));
    proxy.schedule = () => 'pass';
    expect(error.kind).toBe('duplicate-delivery');
    expect(new PaymentBackendError('duplicate-delivery', error.message).outcomeUnknown).toBe(true);
  });
});

describe('HttpPaymentBackend', () => {
  it('creates a QR, sees it paid by push, and answers not-found for an unknown payment', async () => {
    const payments = new HttpPaymentBackend(client(), { timers: systemTimers, eventWaitMs: 1_000, eventRetryMs: 100 });
    try {
      const paymentId = `p-${Date.now()}-abcdef`;
      const created = await payments.createMerchantPayment({ paymentId, orderId: `o-${Date.now()}-abcdef`, amountMinor: 1250, currency: 'CNY', description: 'test', expiresInMs: 60_000 });
      expect(created.expiresInMs).toBeGreaterThan(55_000);
      const pushed = new Promise((resolve) => payments.subscribe(paymentId, (status) => status.state === 'paid' && resolve(status)));
      expect(backend.sandbox?.walletPays({ qrContent: created.qrContent })).toMatchObject({ outcome: 'paid' });
      expect((await payments.queryPayment(paymentId)).state).toBe('paid');
      await expect(pushed).resolves.toMatchObject({ state: 'paid' });
      expect((await payments.queryPayment('nobody-knows-this-id')).state).toBe('not-found');
      expect((await payments.closePayment(paymentId)).state).toBe('paid');
    } finally {
      payments.stop();
    }
  });
});
