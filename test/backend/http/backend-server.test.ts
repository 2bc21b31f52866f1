import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorBodySchema, healthResponseSchema, maxRequestBodyBytes, terminalInfoResponseSchema } from '../../../sync/protocol/backend-api.js';
import { newNonce, newTerminalSecret, signatureWindowMs } from '../../../sync/protocol/request-signing.js';
import { type BackendFixture, postJson, startBackendFixture, TerminalClient } from '../backend-harness.js';
import { rawExchange, rawRequest, type RawExchange } from '../../support/raw-http.js';

let fixture: BackendFixture;
beforeEach(async () => {
  fixture = await startBackendFixture();
});
afterEach(async () => {
  await fixture.close();
});

function errorCode(json: unknown): string {
  return errorBodySchema.parse(json).error.code;
}

describe('backend server: health and enrollment', () => {
  it('answers /health unsigned with the server time', async () => {
    const response = await fetch(`${fixture.backend.url}/health`);
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(await response.json()).serverTimeMs).toBe(fixture.clock.nowMs());
    expect(response.headers.get('x-backend-time-ms')).toBe(String(fixture.clock.nowMs()));
  });

  it('exchanges an enrollment code exactly once', async () => {
    const { code } = fixture.backend.registry.issueEnrollmentCode('Kiosk 7');
    const first = await postJson(`${fixture.backend.url}/v1/enroll`, { code: code.toLowerCase() });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ terminalName: 'Kiosk 7', terminalId: expect.stringMatching(/^T-/), terminalSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const second = await postJson(`${fixture.backend.url}/v1/enroll`, { code });
    expect(second.status).toBe(400);
    expect(errorCode(second.json)).toBe('enrollment-code-invalid');
  });

  it('refuses an expired enrollment code', async () => {
    const { code } = fixture.backend.registry.issueEnrollmentCode('Kiosk 8', 60_000);
    fixture.clock.jumpWallClock(60_000);
    const response = await postJson(`${fixture.backend.url}/v1/enroll`, { code });
    expect(errorCode(response.json)).toBe('enrollment-code-invalid');
  });
});

describe('backend server: request signing', () => {
  it('accepts a signed request and signs its answer', async () => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('GET', '/v1/terminal');
    expect(response.status).toBe(200);
    expect(terminalInfoResponseSchema.parse(response.json).terminalId).toBe(client.terminalId);
    expect(response.signatureValid).toBe(true);
    expect(response.serverTimeMs).toBe(fixture.clock.nowMs());
  });

  it('refuses a bad signature (body altered after signing) and still signs the refusal', async () => {
    const client = await fixture.enrollTerminal();
    const body = { paymentId: 'pay-00000001', amountMinor: 100, currency: 'CNY' };
    const response = await client.request('POST', '/v1/payments/merchant-presented', body, { signedBody: JSON.stringify({ ...body, amountMinor: 1 }) });
    expect(response.status).toBe(401);
    expect(errorCode(response.json)).toBe('bad-signature');
    expect(response.signatureValid).toBe(true);
  });

  it('refuses a signature made with the wrong secret', async () => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('GET', '/v1/terminal', undefined, { secret: newTerminalSecret() });
    expect(errorCode(response.json)).toBe('bad-signature');
  });

  it('refuses a timestamp outside ±5 min and says how far off it is', async () => {
    const client = await fixture.enrollTerminal();
    const late = await client.request('GET', '/v1/terminal', undefined, { timestampMs: fixture.clock.nowMs() - signatureWindowMs - 1 });
    expect(late.status).toBe(401);
    expect(errorCode(late.json)).toBe('stale-timestamp');
    expect(late.serverTimeMs).toBe(fixture.clock.nowMs());
    const early = await client.request('GET', '/v1/terminal', undefined, { timestampMs: fixture.clock.nowMs() + signatureWindowMs + 1 });
    expect(errorCode(early.json)).toBe('stale-timestamp');
    const edge = await client.request('GET', '/v1/terminal', undefined, { timestampMs: fixture.clock.nowMs() + signatureWindowMs });
    expect(edge.status).toBe(200);
  });

  it('refuses a reused nonce inside the window', async () => {
    const client = await fixture.enrollTerminal();
    const nonce = newNonce();
    expect((await client.request('GET', '/v1/terminal', undefined, { nonce })).status).toBe(200);
    fixture.clock.jumpWallClock(signatureWindowMs - 1);
    const replay = await client.request('GET', '/v1/terminal', undefined, { nonce, timestampMs: fixture.clock.nowMs() });
    expect(replay.status).toBe(401);
    expect(errorCode(replay.json)).toBe('nonce-reused');
  });

  it('refuses unsigned requests and unknown terminals', async () => {
    const unsigned = await fetch(`${fixture.backend.url}/v1/terminal`);
    expect(unsigned.status).toBe(401);
    expect(errorCode(await unsigned.json())).toBe('unauthenticated');
    const stranger = new TerminalClient(fixture.backend.url, 'T-nobody', newTerminalSecret(), fixture.clock);
    const response = await stranger.request('GET', '/v1/terminal');
    expect(errorCode(response.json)).toBe('unknown-terminal');
    expect(response.headers.get('x-backend-signature')).toBeNull();
  });
});

describe('backend server: bad input gets a typed 4xx and the server keeps running', () => {
  it.each([
    ['malformed JSON', '{"paymentId": ', 'bad-request', 400],
    ['truncated JSON', '{"paymentId":"pay-00000001","amountMinor":100,"currency":"CNY"', 'bad-request', 400],
    ['wrong types', JSON.stringify({ paymentId: 'pay-00000001', amountMinor: '1.00', currency: 'CNY' }), 'bad-request', 400],
    ['a float amount', JSON.stringify({ paymentId: 'pay-00000001', amountMinor: 12.5, currency: 'CNY' }), 'bad-request', 400],
    ['an unknown field', JSON.stringify({ paymentId: 'pay-00000001', amountMinor: 100, currency: 'CNY', tip: 5 }), 'bad-request', 400],
    ['a JSON array', '[]', 'bad-request', 400],
  ])('%s', async (_what, rawBody, code, status) => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('POST', '/v1/payments/merchant-presented', undefined, { rawBody });
    expect(response.status).toBe(status);
    expect(errorCode(response.json)).toBe(code);
    expect(errorBodySchema.parse(response.json).error.retryable).toBe(false);
    expect((await fetch(`${fixture.backend.url}/health`)).status).toBe(200);
  });

  it('names the bad field', async () => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('POST', '/v1/payments/merchant-presented', { paymentId: 'pay-00000001', amountMinor: -5, currency: 'CNY' });
    expect(errorBodySchema.parse(response.json).error.issues).toEqual([expect.objectContaining({ path: 'amountMinor' })]);
  });

  it('refuses a body over the limit with 413', async () => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('POST', '/v1/journal/batches', undefined, { rawBody: `{"entries":"${'x'.repeat(maxRequestBodyBytes)}"}` });
    expect(response.status).toBe(413);
    expect(errorCode(response.json)).toBe('payload-too-large');
    expect((await fetch(`${fixture.backend.url}/health`)).status).toBe(200);
  });

  it('refuses a body streamed past the limit without content-length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${fixture.backend.url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      for (let sent = 0; sent <= maxRequestBodyBytes; sent += chunk.length) request.write(chunk);
      request.end();
    });
    expect(status).toBe(413);
  });

  it('refuses a body that is not declared as JSON', async () => {
    const response = await fetch(`${fixture.backend.url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(response.status).toBe(415);
    expect(errorCode(await response.json())).toBe('unsupported-media-type');
  });

  it('answers unknown paths, wrong methods and unknown query parameters', async () => {
    const missing = await fetch(`${fixture.backend.url}/v2/whatever`);
    expect([missing.status, errorCode(await missing.json())]).toEqual([404, 'not-found']);
    const wrongMethod = await fetch(`${fixture.backend.url}/health`, { method: 'DELETE' });
    expect([wrongMethod.status, errorCode(await wrongMethod.json())]).toEqual([405, 'method-not-allowed']);
    const client = await fixture.enrollTerminal();
    const unknownQuery = await client.request('GET', '/v1/events?after=0&sneaky=1');
    expect(errorCode(unknownQuery.json)).toBe('bad-request');
    const badPathParam = await client.request('GET', '/v1/payments/%E0%A4%A');
    expect(errorCode(badPathParam.json)).toBe('bad-request');
  });
});

describe('backend server: distribution', () => {
  it('serves the latest version and answers 304 when the terminal already has it', async () => {
    const client = await fixture.enrollTerminal();
    expect(errorCode((await client.request('GET', '/v1/distribution/catalog')).json)).toBe('not-found');
    fixture.backend.distribution.publish('catalog', { products: [{ id: 'tea' }] });
    const published = fixture.backend.distribution.publish('catalog', { products: [{ id: 'tea' }, { id: 'noodles' }] });
    const first = await client.request('GET', '/v1/distribution/catalog');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ kind: 'catalog', version: published.version, document: { products: [{ id: 'tea' }, { id: 'noodles' }] } });
    expect(first.headers.get('etag')).toBe(`"${published.version}"`);
    const again = await client.request('GET', '/v1/distribution/catalog', undefined, { headers: { 'if-none-match': `"${published.version}"` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.signatureValid).toBe(true);
    expect((await client.request('GET', `/v1/distribution/catalog?version=${published.version}`)).status).toBe(304);
    expect((await client.request('GET', '/v1/distribution/catalog?version=1')).status).toBe(200);
    expect(errorCode((await client.request('GET', '/v1/distribution/menu')).json)).toBe('bad-request');
  });

  it('publishes the sandbox wallet public key in the settings', async () => {
    const client = await fixture.enrollTerminal();
    const settings = await client.request('GET', '/v1/distribution/settings');
    const walletKey = fixture.backend.walletKey;
    expect(walletKey).toBeDefined();
    expect(settings.json).toMatchObject({ document: { offlineWalletPublicKeys: { [walletKey?.keyId ?? '']: walletKey?.publicKeyPem } } });
  });
});

describe('backend server: transport-level abuse and restarts', () => {
  it('answers garbage that is not HTTP with 400 and keeps serving', async () => {
    const { connect } = await import('node:net');
    const url = new URL(fixture.backend.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('\x16\x03\x01 this is not http\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${fixture.backend.url}/health`)).status).toBe(200);
  });

  it('refuses a long-poll wait above the maximum and answers an empty poll when nothing happens', async () => {
    const client = await fixture.enrollTerminal();
    expect(errorBodySchema.parse((await client.request('GET', '/v1/events?after=0&waitMs=30001')).json).error.code).toBe('bad-request');
    const empty = await client.request('GET', '/v1/events?after=0&waitMs=1');
    expect(empty.json).toMatchObject({ events: [], nextAfter: 0 });
  });

  it('keeps terminals and used nonces across a restart on the same file', async () => {
    const client = await fixture.enrollTerminal();
    const nonce = newNonce();
    expect((await client.request('GET', '/v1/terminal', undefined, { nonce })).status).toBe(200);
    await fixture.backend.close();
    const { startBackend } = await import('../../../backend/start-backend.js');
    const restarted = await startBackend({ dbFile: fixture.dbFile, port: 0, clock: fixture.clock, sandbox: { walletKeyFile: `${fixture.dir}/wallet-key.json` } });
    try {
      const again = new TerminalClient(restarted.url, client.terminalId, client.secret, fixture.clock);
      expect(errorBodySchema.parse((await again.request('GET', '/v1/terminal', undefined, { nonce })).json).error.code).toBe('nonce-reused');
      expect((await again.request('GET', '/v1/terminal')).status).toBe(200);
      expect(restarted.distribution.latest('settings')?.version).toBe(1);
    } finally {
      await restarted.close();
      rmSync(fixture.dir, { recursive: true, force: true });
      // afterEach closes whatever `fixture` holds: give it a fresh one.
      fixture = await startBackendFixture();
    }
  });
});

function raw(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawExchange> {
  return rawExchange(fixture.backend.url, rawRequest(method, path, new URL(fixture.backend.url).host, headers, body));
}

/** The one error shape, with the server time every answer carries. */
function expectError(response: RawExchange, status: number, code: string, message?: RegExp): void {
  expect(response.answered).toBe(true);
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = errorBodySchema.strict().parse(JSON.parse(response.body));
  expect(body.error.code).toBe(code);
  if (message) expect(body.error.message).toMatch(message);
  expect(response.headers['x-backend-time-ms']).toBe(String(fixture.clock.nowMs()));
}

describe('backend server: malformed requests are answered at once, in the error shape', () => {
  it.each([
    ['the path of no route', 'GET', '/%E0%A4%A'],
    ['a path parameter', 'GET', '/v1/payments/%ZZ'],
    ['a cut UTF-8 sequence in a parameter', 'GET', '/v1/payments/%E0%A4/refunds/r-00000001'],
    ['a POST path', 'POST', '/v1/payments/%E0%A4%A/cancel'],
  ])('a broken escape in %s: 400', async (_label, method, path) => {
    expectError(await raw(method, path, method === 'POST' ? { 'content-type': 'application/json' } : {}, method === 'POST' ? '{}' : ''), 400, 'bad-request', /path is not valid percent-encoding/);
  });

  it.each([
    ['an unsigned route', '/health?x=%E0%A4%A'],
    ['a signed route', '/v1/events?after=%ZZ'],
  ])('a broken escape in the query of %s: 400', async (_label, path) => {
    expectError(await raw('GET', path), 400, 'bad-request', /query string is not valid percent-encoding/);
  });

  it('signs the refusal of a broken query from an enrolled terminal', async () => {
    const client = await fixture.enrollTerminal();
    const response = await client.request('GET', '/v1/events?after=%E0%A4%A');
    expect([response.status, errorCode(response.json)]).toEqual([400, 'bad-request']);
    expect(response.signatureValid).toBe(true);
  });

  it('answers a burst of 300 broken requests, each on its own connection, and holds no socket after', async () => {
    const paths = ['/%E0%A4%A', '/v1/payments/%ZZ', '/health?q=%ZZ'];
    const responses = await Promise.all(Array.from({ length: 300 }, (_unused, index) => raw('GET', paths[index % paths.length] ?? '/%')));
    expect(responses.filter((response) => !response.answered || !response.closedByServer)).toEqual([]);
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([400]));
    expect((await fetch(`${fixture.backend.url}/health`)).status).toBe(200);
  });

  it('answers malformed JSON with 400, a missing or wrong content type with 415', async () => {
    expectError(await raw('POST', '/v1/enroll', { 'content-type': 'application/json' }, '{"code": '), 400, 'bad-request', /not valid JSON/);
    expectError(await raw('POST', '/v1/enroll', {}, '{"code":"ABCD"}'), 415, 'unsupported-media-type');
    expectError(await raw('POST', '/v1/enroll', { 'content-type': 'application/x-www-form-urlencoded' }, 'code=ABCD'), 415, 'unsupported-media-type');
    expectError(await raw('POST', '/v1/enroll', { 'content-type': '///' }, '{}'), 415, 'unsupported-media-type');
  });

  it('answers an oversized body with 413 and closes the connection', async () => {
    const response = await raw('POST', '/v1/enroll', { 'content-type': 'application/json' }, `{"code":"${'x'.repeat(maxRequestBodyBytes)}"}`);
    expectError(response, 413, 'payload-too-large');
    expect(response.closedByServer).toBe(true);
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the error shape', async () => {
    expectError(await raw('GET', '/v2/whatever'), 404, 'not-found', /no such endpoint: \/v2\/whatever/);
    expectError(await raw('PROPFIND', '/health'), 405, 'method-not-allowed', /use GET/);
    expectError(await raw('POST', '/v1/payments/pay-00000001', { 'content-type': 'application/json' }, '{}'), 405, 'method-not-allowed', /use GET/);
    // A HEAD answer has no body, by HTTP.
    expect((await raw('HEAD', '/health')).status).toBe(405);
  });

  it('checks the signature over the exact bytes received, whatever their spacing', async () => {
    const client = await fixture.enrollTerminal();
    const rawBody = '{ "paymentId" : "pay-00000042",\n  "amountMinor": 100, "currency": "\\u0043NY" }';
    const response = await client.request('POST', '/v1/payments/merchant-presented', undefined, { rawBody, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(response.status).toBe(201);
    expect(response.signatureValid).toBe(true);
    const tampered = await client.request('POST', '/v1/payments/merchant-presented', undefined, { rawBody: `${rawBody} `, signedBody: rawBody });
    expect(errorCode(tampered.json)).toBe('bad-signature');
  });
});
