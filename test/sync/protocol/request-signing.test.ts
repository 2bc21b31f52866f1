import { describe, expect, it } from 'vitest';
import {
  buildSignedHeaders,
  canonicalRequest,
  newNonce,
  newTerminalSecret,
  readSignedHeaders,
  signatureWindowMs,
  signResponse,
  verifyRequestSignature,
  verifyResponseSignature,
} from '../../../sync/protocol/request-signing.js';

const secret = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'; // bytes 0..31
const request = { method: 'POST', path: '/v1/payments/merchant-presented', timestampMs: 1_764_000_000_000, nonce: 'nonce-0123456789abcdef', body: '{"a":1}' };

function headersFor(secretText: string, req = request) {
  const read = readSignedHeaders(buildSignedHeaders('term-1', secretText, req));
  if (!read.ok) throw new Error(read.message);
  return read;
}

describe('request signing', () => {
  it('builds the canonical string from method, path, timestamp, nonce and body hash', () => {
    expect(canonicalRequest(request)).toBe(
      ['TERMINAL-HMAC-SHA256', 'POST', '/v1/payments/merchant-presented', '1764000000000', 'nonce-0123456789abcdef', '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862'].join('\n'),
    );
  });

  it('accepts a correctly signed request inside the window', () => {
    const headers = headersFor(secret);
    expect(verifyRequestSignature(secret, headers, request, request.timestampMs + signatureWindowMs)).toEqual({ ok: true });
  });

  it.each([
    ['the body', { body: '{"a":2}' }],
    ['the path', { path: '/v1/payments/customer-presented' }],
    ['the method', { method: 'PUT' }],
  ])('refuses a request whose %s was altered', (_what, change) => {
    const headers = headersFor(secret);
    const check = verifyRequestSignature(secret, headers, { ...request, ...change }, request.timestampMs);
    expect(check).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses a signature made with another secret', () => {
    const headers = headersFor(newTerminalSecret());
    expect(verifyRequestSignature(secret, headers, request, request.timestampMs)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses a timestamp just outside ±5 min', () => {
    const headers = headersFor(secret);
    expect(verifyRequestSignature(secret, headers, request, request.timestampMs + signatureWindowMs + 1)).toMatchObject({ ok: false, code: 'stale-timestamp' });
    expect(verifyRequestSignature(secret, headers, request, request.timestampMs - signatureWindowMs - 1)).toMatchObject({ ok: false, code: 'stale-timestamp' });
  });

  it('names malformed headers', () => {
    expect(readSignedHeaders({})).toMatchObject({ ok: false, message: expect.stringContaining('x-terminal-id') });
    const good = buildSignedHeaders('term-1', secret, request);
    expect(readSignedHeaders({ ...good, 'x-terminal-nonce': 'short' })).toMatchObject({ ok: false, message: expect.stringContaining('nonce') });
    expect(readSignedHeaders({ ...good, 'x-terminal-timestamp': '12e5' })).toMatchObject({ ok: false });
    expect(readSignedHeaders({ ...good, 'x-terminal-signature': 'XYZ' })).toMatchObject({ ok: false });
  });

  it('signs responses bound to the request nonce', () => {
    const response = { status: 200, requestNonce: newNonce(), serverTimeMs: 5, body: '{"ok":true}' };
    const signature = signResponse(secret, response);
    expect(verifyResponseSignature(secret, response, signature)).toBe(true);
    expect(verifyResponseSignature(secret, { ...response, requestNonce: newNonce() }, signature)).toBe(false);
    expect(verifyResponseSignature(secret, { ...response, body: '{"ok":false}' }, signature)).toBe(false);
    expect(verifyResponseSignature(secret, { ...response, status: 500 }, signature)).toBe(false);
    expect(verifyResponseSignature(secret, response, undefined)).toBe(false);
  });
});
