/**
 * Issue #8, hole 8, the terminal's side: enrollment and every signed call go over TLS pinned to
 * the certificate whose SHA-256 the enrollment code carries (`CODE#sha256=HEX`). A different
 * certificate is refused before a byte is sent (the code and the secret never reach an impostor);
 * plain HTTP is accepted only on loopback. Real HTTPS on 127.0.0.1 with self-signed certificates
 * made by openssl.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../../../backend/start-backend.js';
import { BackendCallError, BackendHttpClient } from '../../../sync/client/backend-http-client.js';
import { EnrollmentError, enrollTerminal } from '../../../sync/client/enroll-terminal.js';
import { TerminalCredentialStore } from '../../../sync/client/terminal-credential-store.js';
import { paymentResponseSchema, routePath, terminalInfoResponseSchema } from '../../../sync/protocol/backend-api.js';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../backend/self-signed-certificate.js';

let genuine: SelfSignedCertificate;
let impostorCertificate: SelfSignedCertificate;
let backend: RunningBackend;
/** A TLS server with another certificate that records every application byte it receives. */
let impostor: TlsServer;
let impostorUrl = '';
const impostorReceived: Buffer[] = [];

beforeAll(async () => {
  [genuine, impostorCertificate] = await Promise.all([makeSelfSignedCertificate('genuine'), makeSelfSignedCertificate('impostor')]);
  const dir = mkdtempSync(join(tmpdir(), 'enroll-tls-'));
  backend = await startBackend({
    dbFile: join(dir, 'backend.sqlite'),
    port: 0,
    tls: { certificatePem: genuine.certificatePem, privateKeyPem: genuine.privateKeyPem },
    sandbox: { walletKeyFile: join(dir, 'wallet-key.json') },
    logError: () => undefined,
  });
  impostor = createTlsServer({ cert: impostorCertificate.certificatePem, key: impostorCertificate.privateKeyPem }, (socket) => {
    socket.on('data', (chunk: Buffer) => impostorReceived.push(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  impostorUrl = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await backend.close();
  await new Promise((resolve) => impostor.close(resolve));
});

const newStore = () => new TerminalCredentialStore(mkdtempSync(join(tmpdir(), 'enroll-tls-terminal-')));
const issue = (name = 'Counter TLS') => backend.registry.issueEnrollmentCode(name).code;

async function enrollmentFailure(promise: Promise<unknown>): Promise<EnrollmentError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof EnrollmentError)) throw new Error(`expected an EnrollmentError, got ${String(error)}`);
  return error;
}

describe('enrollment with a pinned certificate', () => {
  it('enrolls over HTTPS with CODE#sha256=PIN, stores the pin, and signed calls work pinned', async () => {
    expect(backend.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const store = newStore();
    const identity = await enrollTerminal({ backendUrl: backend.url, code: `${issue()}#sha256=${genuine.pin}`, store, nowMs: Date.now() });
    expect(identity.certificatePin).toBe(genuine.pin);
    const stored = store.load();
    expect(stored?.certificatePin).toBe(genuine.pin);
    const client = new BackendHttpClient({ baseUrl: backend.url, credentials: stored ?? identity, clock: { nowMs: () => Date.now() } });
    for (let call = 0; call < 3; call += 1) {
      const info = await client.call('GET', routePath('terminalInfo'), terminalInfoResponseSchema);
      expect(info.body?.terminalId).toBe(identity.terminalId);
    }
    const created = await client.call('POST', routePath('createMerchantPresented'), paymentResponseSchema, { body: { paymentId: 'tls-qr-0000001', amountMinor: 1250, currency: 'CNY' } });
    expect(created.body?.payment.status).toBe('pending');
  });

  it('accepts the fingerprint as openssl prints it (colon pairs, upper case)', async () => {
    const opensslStyle = (genuine.pin.toUpperCase().match(/../g) ?? []).join(':');
    const identity = await enrollTerminal({ backendUrl: backend.url, code: `${issue()}#sha256=${opensslStyle}`, store: newStore(), nowMs: Date.now() });
    expect(identity.certificatePin).toBe(genuine.pin);
  });

  it('refuses a server with another certificate before sending the code (untrusted-certificate)', async () => {
    impostorReceived.length = 0;
    const code = issue('Counter Impostor');
    const store = newStore();
    const error = await enrollmentFailure(enrollTerminal({ backendUrl: impostorUrl, code: `${code}#sha256=${genuine.pin}`, store, nowMs: Date.now() }));
    expect(error.code).toBe('untrusted-certificate');
    expect(error.message).toContain(impostorCertificate.pin);
    expect(Buffer.concat(impostorReceived).length).toBe(0);
    expect(store.exists()).toBe(false);
    // The code was never spent: the genuine backend still takes it.
    await expect(enrollTerminal({ backendUrl: backend.url, code: `${code}#sha256=${genuine.pin}`, store, nowMs: Date.now() })).resolves.toMatchObject({ certificatePin: genuine.pin });
  });

  it('refuses a self-signed backend without a pin (the system CAs do not vouch for it)', async () => {
    const error = await enrollmentFailure(enrollTerminal({ backendUrl: backend.url, code: issue(), store: newStore(), nowMs: Date.now() }));
    expect(error.code).toBe('untrusted-certificate');
  });

  it('refuses a pin with an http:// backend, and a malformed fingerprint, without any request', async () => {
    const fetchImpl = (() => Promise.reject(new Error('must not be called'))) as typeof fetch;
    const withHttp = await enrollmentFailure(enrollTerminal({ backendUrl: 'http://127.0.0.1:9', code: `ABCD-EFGH-JKLM#sha256=${genuine.pin}`, store: newStore(), nowMs: 0, fetchImpl }));
    expect(withHttp).toMatchObject({ code: 'insecure-transport', message: expect.stringContaining('https://') });
    const malformed = await enrollmentFailure(enrollTerminal({ backendUrl: backend.url, code: 'ABCD-EFGH-JKLM#sha256=12ab', store: newStore(), nowMs: 0, fetchImpl }));
    expect(malformed).toMatchObject({ code: 'code-invalid', message: expect.stringContaining('64 hex digits') });
    const otherFragment = await enrollmentFailure(enrollTerminal({ backendUrl: backend.url, code: 'ABCD-EFGH-JKLM#md5=12ab', store: newStore(), nowMs: 0, fetchImpl }));
    expect(otherFragment.code).toBe('code-invalid');
  });
});

describe('plain HTTP enrollment', () => {
  const enrollAnswer = () => new Response(JSON.stringify({ terminalId: 'T-1', terminalName: 'Counter', terminalSecret: 's'.repeat(43), serverTimeMs: 1 }), { status: 201, headers: { 'content-type': 'application/json' } });

  it('is refused for a backend off this machine (the answer carries the secret), unless allowed explicitly', async () => {
    const requested: string[] = [];
    const fetchImpl = (async (url: string | URL | Request) => {
      requested.push(String(url));
      return enrollAnswer();
    }) as typeof fetch;
    for (const backendUrl of ['http://192.0.2.10:8787', 'http://backend.example:8787', 'http://[2001:db8::1]:8787']) {
      const error = await enrollmentFailure(enrollTerminal({ backendUrl, code: 'ABCD-EFGH-JKLM', store: newStore(), nowMs: 0, fetchImpl }));
      expect(error).toMatchObject({ code: 'insecure-transport', message: expect.stringContaining('--insecure-http') });
    }
    expect(requested).toEqual([]);
    const allowed = await enrollTerminal({ backendUrl: 'http://192.0.2.10:8787', code: 'ABCD-EFGH-JKLM', store: newStore(), nowMs: 0, fetchImpl, allowInsecureHttp: true });
    expect(allowed.certificatePin).toBeUndefined();
    expect(requested).toEqual(['http://192.0.2.10:8787/v1/enroll']);
  });

  it('keeps old codes working for a loopback backend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enroll-loopback-'));
    const plain = await startBackend({ dbFile: join(dir, 'backend.sqlite'), port: 0, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') }, logError: () => undefined });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const identity = await enrollTerminal({ backendUrl: plain.url, code: plain.registry.issueEnrollmentCode('Counter').code, store: newStore(), nowMs: Date.now() });
      expect(identity.certificatePin).toBeUndefined();
      const localhost = plain.url.replace('127.0.0.1', 'localhost');
      await expect(enrollTerminal({ backendUrl: localhost, code: plain.registry.issueEnrollmentCode('Counter 2').code, store: newStore(), nowMs: Date.now() })).resolves.toMatchObject({ terminalName: 'Counter 2' });
    } finally {
      await plain.close();
    }
  });
});

describe('a pinned terminal calling its backend', () => {
  const credentials = { terminalId: 'T-x', terminalSecret: 's'.repeat(43) };
  const clock = { nowMs: () => Date.now() };

  it('refuses another certificate before sending anything (untrusted-certificate)', async () => {
    impostorReceived.length = 0;
    const client = new BackendHttpClient({ baseUrl: impostorUrl, credentials: { ...credentials, certificatePin: genuine.pin }, clock });
    const error = await client.call('GET', routePath('terminalInfo'), terminalInfoResponseSchema).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BackendCallError);
    expect(error).toMatchObject({ kind: 'untrusted-certificate', message: expect.stringContaining('pinned') });
    expect(Buffer.concat(impostorReceived).length).toBe(0);
  });

  it('never falls back to plain HTTP', async () => {
    const client = new BackendHttpClient({ baseUrl: backend.url.replace('https:', 'http:'), credentials: { ...credentials, certificatePin: genuine.pin }, clock });
    await expect(client.call('GET', routePath('terminalInfo'), terminalInfoResponseSchema)).rejects.toMatchObject({ kind: 'untrusted-certificate', message: expect.stringContaining('not https://') });
  });

  it('reports a refused connection as unreachable, like the unpinned client', async () => {
    const client = new BackendHttpClient({ baseUrl: 'https://127.0.0.1:9', credentials: { ...credentials, certificatePin: genuine.pin }, clock });
    await expect(client.call('GET', routePath('terminalInfo'), terminalInfoResponseSchema)).rejects.toMatchObject({ kind: 'unreachable' });
  });
});
