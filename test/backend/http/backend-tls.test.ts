/**
 * Issue #8, hole 8, the backend's side: HTTPS with a given certificate, plain HTTP only on
 * loopback (a non-loopback address needs TLS or an explicit `allowInsecureHttp`), and TLS files
 * checked before anything listens. Nothing here listens beyond 127.0.0.1: "the refusal is lifted"
 * is shown by the start getting as far as binding 192.0.2.1 (TEST-NET-1, never this machine's),
 * which the OS refuses with EADDRNOTAVAIL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendTlsError, readBackendTls, readCertificatePin } from '../../../backend/http/backend-tls.js';
import { BackendStartError, startBackend } from '../../../backend/start-backend.js';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../self-signed-certificate.js';

let certificate: SelfSignedCertificate;
let other: SelfSignedCertificate;
const dirs: string[] = [];
const newDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'backend-tls-'));
  dirs.push(dir);
  return join(dir, 'backend.sqlite');
};
const sandboxIn = (dbFile: string) => ({ walletKeyFile: `${dbFile}.wallet.json` });

beforeAll(async () => {
  [certificate, other] = await Promise.all([makeSelfSignedCertificate('backend'), makeSelfSignedCertificate('other')]);
}, 60_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** GET URL over HTTPS trusting only CA (a test certificate); host-name checks apply (the certificates name IP 127.0.0.1). */
function getTrusting(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the backend over HTTPS', () => {
  it('serves HTTPS with the given certificate and names https:// in its url', async () => {
    const backend = await startBackend({ dbFile: newDb(), port: 0, tls: { certificatePem: certificate.certificatePem, privateKeyPem: certificate.privateKeyPem }, sandbox: sandboxIn(newDb()), logError: () => undefined });
    try {
      expect(backend.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await getTrusting(`${backend.url}/health`, certificate.certificatePem);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
      // Another certificate as the only trusted one: the handshake fails.
      await expect(getTrusting(`${backend.url}/health`, other.certificatePem)).rejects.toThrow();
      // No clear-text answer on the TLS port.
      await expect(fetch(`${backend.url.replace('https:', 'http:')}/health`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    } finally {
      await backend.close();
    }
  });
});

describe('where plain HTTP may listen', () => {
  it('refuses plain HTTP on a non-loopback address before binding (insecure-bind), naming the ways out', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'backend.example']) {
      const error = await startBackend({ dbFile: newDb(), host, port: 0, sandbox: sandboxIn(newDb()), logError: () => undefined }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(BackendStartError);
      expect(error).toMatchObject({ code: 'insecure-bind', message: expect.stringMatching(/--tls-cert.*--insecure-http/) });
    }
  });

  it('lets a non-loopback address through with TLS or allowInsecureHttp (the bind itself is then tried)', async () => {
    const tls = { certificatePem: certificate.certificatePem, privateKeyPem: certificate.privateKeyPem };
    for (const options of [{ allowInsecureHttp: true }, { tls }]) {
      const error = await startBackend({ dbFile: newDb(), host: '192.0.2.1', port: 0, sandbox: sandboxIn(newDb()), logError: () => undefined, ...options }).catch((thrown: unknown) => thrown);
      expect(error).not.toBeInstanceOf(BackendStartError);
      expect(error).toMatchObject({ code: 'EADDRNOTAVAIL' });
    }
  });

  it('serves plain HTTP on loopback as before (127.0.0.1, localhost)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const backend = await startBackend({ dbFile: newDb(), host, port: 0, sandbox: sandboxIn(newDb()), logError: () => undefined });
      try {
        expect((await fetch(`${backend.url}/health`)).status).toBe(200);
      } finally {
        await backend.close();
      }
    }
  });
});

describe('TLS files', () => {
  it('reads a matching certificate and key, with the pin of the certificate', () => {
    const tls = readBackendTls(certificate.certFile, certificate.keyFile);
    expect(tls.certificatePin).toBe(certificate.pin);
    expect(readCertificatePin(certificate.certFile)).toBe(certificate.pin);
  });

  it('refuses a key of another certificate, a non-certificate and a non-key, naming the file and never quoting the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-files-'));
    dirs.push(dir);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nnot-base64-secret-material\n-----END PRIVATE KEY-----\n');
    const failure = (read: () => unknown) => {
      try {
        read();
        return undefined;
      } catch (error) {
        return error instanceof BackendTlsError ? { code: error.code, message: error.message } : { code: 'not a BackendTlsError', message: String(error) };
      }
    };
    expect(failure(() => readBackendTls(certificate.certFile, other.keyFile))).toMatchObject({ code: 'key-mismatch', message: expect.stringContaining(other.keyFile) });
    expect(failure(() => readBackendTls(certificate.keyFile, certificate.keyFile))).toMatchObject({ code: 'not-a-certificate', message: expect.stringContaining(certificate.keyFile) });
    const notAKey = failure(() => readBackendTls(certificate.certFile, garbage));
    expect(notAKey).toMatchObject({ code: 'not-a-key', message: expect.stringContaining(garbage) });
    expect(notAKey?.message).not.toContain('secret-material');
    expect(failure(() => readBackendTls(join(dir, 'missing.pem'), certificate.keyFile))).toMatchObject({ code: 'unreadable' });
  });
});
