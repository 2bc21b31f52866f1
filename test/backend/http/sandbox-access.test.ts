/**
 * Issue #8, hole 4: the sandbox wallet is a test tool, not an open till. Its endpoints answer only
 * loopback clients holding the sandbox key (0600 file next to the database), balances and
 * payments are bounded, and it runs only when asked for; with only a real acquirer configured the
 * sandbox routes answer 404 and that acquirer takes QR payments.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireSandboxClient } from '../../../backend/acquirers/sandbox/sandbox-access-key.js';
import type { MerchantPresentedResult, PaymentProvider } from '../../../backend/acquirers/payment-provider.js';
import { BackendError } from '../../../backend/services/backend-error.js';
import { BackendStartError, startBackend } from '../../../backend/start-backend.js';
import { errorBodySchema, paymentResponseSchema, sandboxAccessKeyHeader, sandboxWalletCodeResponseSchema } from '../../../sync/protocol/backend-api.js';
import { type BackendFixture, postJson, startBackendFixture, type TerminalClient } from '../backend-harness.js';

/** A stand-in real acquirer: answers every QR create with its own URL. */
function fakeAcquirer(): PaymentProvider {
  const unused = (): never => {
    throw new Error('not used in these tests');
  };
  return {
    name: 'alipay',
    createMerchantPresented: async (request): Promise<MerchantPresentedResult> => ({ outcome: 'created', qrContent: `https://qr.alipay.com/${request.paymentId}`, expiresAtMs: request.expiresAtMs, providerTradeId: null }),
    payWithCustomerCode: unused,
    query: unused,
    close: unused,
    reverse: unused,
    refund: unused,
  };
}

describe('the sandbox endpoints need the sandbox key', () => {
  let fixture: BackendFixture;
  let client: TerminalClient;
  beforeEach(async () => {
    fixture = await startBackendFixture();
    client = await fixture.enrollTerminal();
  });
  afterEach(async () => {
    await fixture.close();
  });

  async function createQr(paymentId: string, amountMinor: number) {
    const response = await client.request('POST', '/v1/payments/merchant-presented', { paymentId, amountMinor, currency: 'CNY' });
    return paymentResponseSchema.parse(response.json).payment;
  }

  it('keeps its key in a 0600 file next to the database', () => {
    expect(fixture.backend.sandboxAccessKeyFile).toBe(join(fixture.dir, 'sandbox-access.key'));
    expect(statSync(join(fixture.dir, 'sandbox-access.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses a ￥888 QR payment without the key (401) or with a wrong one, and the QR stays unpaid', async () => {
    const payment = await createQr('sbx-auth-000001', 88_800);
    const url = `${fixture.backend.url}/sandbox/wallet/pay`;
    const attempts: Record<string, string>[] = [{}, { [sandboxAccessKeyHeader]: 'A'.repeat(43) }, { [sandboxAccessKeyHeader]: '' }];
    for (const headers of attempts) {
      const refused = await postJson(url, { qrContent: payment.qrContent }, headers);
      expect(refused.status).toBe(401);
      expect(errorBodySchema.parse(refused.json).error).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('sandbox key') });
    }
    const mint = await postJson(`${fixture.backend.url}/sandbox/wallet/codes`, { balanceMinor: 100 });
    expect(mint.status).toBe(401);
    const after = await client.request('GET', '/v1/payments/sbx-auth-000001');
    expect(paymentResponseSchema.parse(after.json).payment.status).toBe('pending');
    expect(await fixture.postSandbox('/sandbox/wallet/pay', { qrContent: payment.qrContent })).toMatchObject({ status: 200, json: { outcome: 'paid' } });
  });

  it('refuses a request relayed by a proxy (403), key or not', async () => {
    const payment = await createQr('sbx-proxy-00001', 500);
    for (const proxyHeader of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const refused = await postJson(`${fixture.backend.url}/sandbox/wallet/pay`, { qrContent: payment.qrContent }, { ...fixture.sandboxHeaders(), [proxyHeader]: '203.0.113.7' });
      expect(refused.status).toBe(403);
      expect(errorBodySchema.parse(refused.json).error.code).toBe('forbidden');
    }
  });

  it('refuses a code with a 9×10¹⁴ fen balance (400 naming the limit), accepts ￥100,000.00', async () => {
    const tooRich = await fixture.postSandbox('/sandbox/wallet/codes', { balanceMinor: 900_000_000_000_000 });
    expect(tooRich.status).toBe(400);
    expect(errorBodySchema.parse(tooRich.json).error.message).toContain('100000.00');
    const justEnough = await fixture.postSandbox('/sandbox/wallet/codes', { balanceMinor: 10_000_000 });
    expect(justEnough.status).toBe(201);
    expect(sandboxWalletCodeResponseSchema.parse(justEnough.json).balanceMinor).toBe(10_000_000);
    expect(() => fixture.backend.sandbox?.issueCustomerCode({ balanceMinor: 10_000_001 })).toThrow(/100000\.00/);
  });

  it('refuses to pay a QR above ￥100,000.00 (400 naming the limit); the payment stays pending', async () => {
    const payment = await createQr('sbx-limit-00001', 10_000_001);
    const refused = await fixture.postSandbox('/sandbox/wallet/pay', { qrContent: payment.qrContent });
    expect(refused.status).toBe(400);
    expect(errorBodySchema.parse(refused.json).error.message).toContain('100000.00');
    const after = await client.request('GET', '/v1/payments/sbx-limit-00001');
    expect(paymentResponseSchema.parse(after.json).payment.status).toBe('pending');
  });
});

describe('the sandbox guard', () => {
  const key = 'k'.repeat(43);
  const headers = { [sandboxAccessKeyHeader]: key };
  const refusal = (remoteAddress: string | undefined, sent: Record<string, string> = headers) => {
    try {
      requireSandboxClient({ remoteAddress, headers: sent }, key);
      return undefined;
    } catch (error) {
      return error instanceof BackendError ? error.code : 'not a BackendError';
    }
  };

  it('answers loopback peers only (IPv4 127/8, ::1, IPv4-mapped 127.x)', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(refusal(address)).toBeUndefined();
    for (const address of ['192.168.1.20', '10.0.0.5', '::ffff:10.0.0.5', 'fe80::1', '0.0.0.0', undefined]) expect(refusal(address)).toBe('forbidden');
  });

  it('checks the key after the address', () => {
    expect(refusal('127.0.0.1', {})).toBe('unauthenticated');
    expect(refusal('127.0.0.1', { [sandboxAccessKeyHeader]: `${key}x` })).toBe('unauthenticated');
    expect(refusal('192.168.1.20', {})).toBe('forbidden');
  });
});

describe('which providers run', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const newDb = () => {
    const dir = mkdtempSync(join(tmpdir(), 'backend-providers-'));
    dirs.push(dir);
    return join(dir, 'backend.sqlite');
  };

  it('with only a real acquirer: no sandbox routes (404), and QR payments go to the acquirer', async () => {
    const fixture = await startBackendFixture({ sandbox: undefined, providers: [fakeAcquirer()] });
    try {
      expect(fixture.backend.defaultProvider).toBe('alipay');
      expect(fixture.backend.sandboxAccessKeyFile).toBeUndefined();
      for (const path of ['/sandbox/wallet/pay', '/sandbox/wallet/codes']) {
        const answer = await postJson(`${fixture.backend.url}${path}`, {});
        expect(answer.status).toBe(404);
        expect(errorBodySchema.parse(answer.json).error.code).toBe('not-found');
      }
      const client = await fixture.enrollTerminal();
      const created = await client.request('POST', '/v1/payments/merchant-presented', { paymentId: 'real-qr-000001', amountMinor: 88_800, currency: 'CNY' });
      expect(paymentResponseSchema.parse(created.json).payment).toMatchObject({ provider: 'alipay', qrContent: 'https://qr.alipay.com/real-qr-000001' });
    } finally {
      await fixture.close();
    }
  });

  it('with the sandbox and a real acquirer, the default is chosen, never the sandbox by preference', async () => {
    const dbFile = newDb();
    const both = { dbFile, port: 0, sandbox: { walletKeyFile: `${dbFile}.wallet` }, providers: [fakeAcquirer()], logError: () => undefined };
    await expect(startBackend(both)).rejects.toMatchObject({ name: 'BackendStartError', code: 'default-provider-needed', message: expect.stringContaining('--default-provider') });
    const chosen = await startBackend({ ...both, defaultProvider: 'alipay' });
    try {
      expect(chosen.defaultProvider).toBe('alipay');
    } finally {
      await chosen.close();
    }
  });

  it('refuses to start with no provider at all, naming --sandbox and --alipay-config', async () => {
    const error = await startBackend({ dbFile: newDb(), port: 0, logError: () => undefined }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BackendStartError);
    expect(error).toMatchObject({ code: 'no-provider', message: expect.stringMatching(/--alipay-config.*--sandbox/) });
  });
});
