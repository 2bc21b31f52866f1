import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserHost, type RunningBrowserHost } from '../../../main/host/browser-host.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { rawExchange, rawRequest, type RawExchange } from '../../support/raw-http.js';

let fixture: CoreFixture;
let host: RunningBrowserHost;
const token = 'test-token-0123456789abcdef';

beforeAll(async () => {
  fixture = createCoreFixture();
  const rendererDir = mkdtempSync(join(tmpdir(), 'renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(tmpdir(), 'secret.txt'), 'not for the browser');
  host = await startBrowserHost({ core: fixture.core, logger: createSilentLogger(), host: '127.0.0.1', port: 0, rendererDir, token, maxBodyBytes: 4096 });
});
afterAll(async () => {
  await host.close();
  fixture.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests can send the headers a browser or an attacker would. */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers, setHost: !options.headers?.host }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
const json = { 'content-type': 'application/json' };
const auth = { ...json, authorization: `Bearer ${token}` };

describe('browser host', () => {
  it('listens on loopback only and puts the token in the fragment', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.pageUrl).toBe(`${host.origin}/#token=${token}`);
  });

  it('answers a call that carries the token', async () => {
    const response = await send('/api/call/system.status', { method: 'POST', headers: auth, body: '{}' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, value: { terminalId: 'T-001' } });
  });

  it.each([
    ['no token', json],
    ['a wrong token', { ...json, authorization: 'Bearer nope' }],
    ['a token of another scheme', { ...json, authorization: `Basic ${token}` }],
  ])('refuses a call with %s', async (_label, headers) => {
    const response = await send('/api/call/system.status', { method: 'POST', headers, body: '{}' });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('refuses other Host names (DNS rebinding) and cross-origin pages', async () => {
    expect((await send('/api/call/system.status', { method: 'POST', headers: { ...auth, host: 'evil.example:80' }, body: '{}' })).status).toBe(403);
    expect((await send('/', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await send('/api/call/system.status', { method: 'POST', headers: { ...auth, origin: 'http://evil.example' }, body: '{}' })).status).toBe(403);
  });

  it.each([
    ['a non-JSON content type', { ...auth, 'content-type': 'text/plain' }, '{}', 400, /Content-Type: application\/json/],
    ['truncated JSON', auth, '{"lines": [', 400, /not a JSON object/],
    ['an oversized body', auth, JSON.stringify({ pad: 'x'.repeat(10_000) }), 413, /exceeds 4096 bytes/],
    ['an argument that is not an object', auth, '[1,2]', 400, /invalid|expected/i],
  ])('answers %s with a typed error', async (_label, headers, body, status, message) => {
    const response = await send('/api/call/sale.quote', { method: 'POST', headers, body });
    expect(response.status).toBe(status);
    const parsed = JSON.parse(response.body) as { ok: boolean; error: { code: string; message: string } };
    expect(parsed.ok).toBe(false);
    expect(parsed.error.message).toMatch(message);
  });

  it('maps error codes onto HTTP statuses', async () => {
    expect((await send('/api/call/nope', { method: 'POST', headers: auth, body: '{}' })).status).toBe(404);
    expect((await send('/api/call/sale.payCash', { method: 'POST', headers: auth, body: JSON.stringify({ lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 }) })).status).toBe(401);
    expect((await send('/api/call/system.status', { method: 'GET', headers: auth })).status).toBe(405);
  });

  it('serves the page with a strict CSP and never serves files outside the UI folder', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const response = await send(path);
      expect(response.body).not.toContain('not for the browser');
    }
  });

  it('streams events only to a WebSocket that offers the token', async () => {
    const wsUrl = `${host.origin.replace('http', 'ws')}/api/events`;
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(wsUrl, ['terminal-events.v1', 'token.wrong']);
      socket.on('open', () => resolve('open'));
      socket.on('error', () => resolve('refused'));
    });
    expect(refused).toBe('refused');
    const first = await new Promise<unknown>((resolve, reject) => {
      const socket = new WebSocket(wsUrl, ['terminal-events.v1', `token.${token}`]);
      socket.on('message', (data) => {
        resolve(JSON.parse(String(data)));
        socket.close();
      });
      socket.on('error', reject);
    });
    expect(first).toMatchObject({ name: 'status.changed', payload: { terminalId: 'T-001' } });
  });
});

/** The one error shape of every refusal: a failed `CommandResult`. */
function expectRefusal(response: { status: number; headers: Record<string, string | string[] | undefined>; body: string }, status: number, code: string, message?: RegExp): void {
  expect(response.status).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  expect(JSON.parse(response.body)).toEqual({ ok: false, error: { code, message: expect.stringMatching(message ?? /./), retryable: false } });
  expect(String(response.headers['content-security-policy'])).toContain("default-src 'none'");
  expect(response.headers['x-frame-options']).toBe('DENY');
}

function raw(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawExchange> {
  return rawExchange(host.origin, rawRequest(method, path, new URL(host.origin).host, headers, body));
}

describe('browser host: malformed requests are answered at once, in the error shape', () => {
  it.each([
    ['a broken escape in the path', 'GET', '/%E0%A4%A'],
    ['a broken escape in a command name', 'POST', '/api/call/%ZZ'],
    ['a cut UTF-8 sequence in an asset path', 'GET', '/assets/%E0%A4.js'],
    ['a lone percent sign', 'GET', '/%'],
  ])('%s: 400', async (_label, method, path) => {
    const response = await raw(method, path, method === 'POST' ? auth : {}, method === 'POST' ? '{}' : '');
    expect(response.answered).toBe(true);
    expectRefusal(response, 400, 'invalid-argument', /path is not valid percent-encoding/);
  });

  it.each([
    ['on a page', 'GET', '/?q=%E0%A4%A'],
    ['on a call', 'POST', '/api/call/system.status?x=%ZZ'],
  ])('a broken escape in the query %s: 400', async (_label, method, path) => {
    const response = await raw(method, path, method === 'POST' ? auth : {}, method === 'POST' ? '{}' : '');
    expectRefusal(response, 400, 'invalid-argument', /query string is not valid percent-encoding/);
  });

  it('answers a broken escape on a kept-alive connection too, and keeps serving on it', async () => {
    expectRefusal(await send('/%E0%A4%A'), 400, 'invalid-argument');
    expect((await send('/api/call/system.status', { method: 'POST', headers: auth, body: '{}' })).status).toBe(200);
  });

  it('answers a burst of 300 broken requests, each on its own connection, and holds no socket after', async () => {
    const paths = ['/%E0%A4%A', '/api/call/%ZZ', '/?q=%ZZ'];
    const responses = await Promise.all(Array.from({ length: 300 }, (_unused, index) => raw('GET', paths[index % paths.length] ?? '/%')));
    expect(responses.filter((response) => !response.answered || !response.closedByServer)).toEqual([]);
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([400]));
    expect((await send('/api/health')).status).toBe(200);
  });

  it('does not stop on targets the WHATWG URL parser rejects, for pages and for the event socket', async () => {
    expect((await raw('GET', '//')).answered).toBe(true);
    const upgrade = await raw('GET', '//', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' });
    expect(upgrade.status).toBe(401);
    expectRefusal(await raw('GET', '/x%00y'), 400, 'invalid-argument', /NUL/);
    expect((await send('/api/health')).status).toBe(200);
  });

  it('answers malformed JSON, a wrong content type and an unparseable one with 400', async () => {
    expectRefusal(await send('/api/call/sale.quote', { method: 'POST', headers: auth, body: '{"lines": [' }), 400, 'invalid-argument', /not a JSON object/);
    expectRefusal(await send('/api/call/sale.quote', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }), 400, 'invalid-argument', /Content-Type: application\/json/);
    expectRefusal(await send('/api/call/sale.quote', { method: 'POST', headers: { ...auth, 'content-type': 'application/jsonx' }, body: '{}' }), 400, 'invalid-argument', /Content-Type: application\/json/);
  });

  it('answers an oversized body with 413, declared or streamed, and reads no body before the token is checked', async () => {
    const oversized = JSON.stringify({ pad: 'x'.repeat(10_000) });
    expectRefusal(await send('/api/call/sale.quote', { method: 'POST', headers: auth, body: oversized }), 413, 'invalid-argument', /exceeds 4096 bytes/);
    const chunked = await raw('POST', '/api/call/sale.quote', { ...auth, 'transfer-encoding': 'chunked' }, `${(10_000).toString(16)}\r\n${'x'.repeat(10_000)}\r\n0\r\n\r\n`);
    expectRefusal(chunked, 413, 'invalid-argument', /exceeds 4096 bytes/);
    expectRefusal(await send('/api/call/sale.quote', { method: 'POST', headers: json, body: oversized }), 401, 'unauthenticated');
  });

  it('answers unknown addresses with 404 and wrong methods with 405, in the error shape', async () => {
    expectRefusal(await send('/api/nope'), 404, 'not-found', /no API endpoint \/api\/nope/);
    expectRefusal(await send('/api/nope', { method: 'POST', headers: auth, body: '{}' }), 404, 'not-found');
    expectRefusal(await send('/api/call/nope', { method: 'POST', headers: auth, body: '{}' }), 404, 'not-found', /unknown command/);
    expectRefusal(await raw('PROPFIND', '/'), 404, 'not-found');
    const wrongMethod = await send('/api/call/system.status', { method: 'GET', headers: auth });
    expectRefusal(wrongMethod, 405, 'invalid-argument', /POST/);
    expect(wrongMethod.headers['allow']).toBe('POST');
    const pagePost = await send('/index.html', { method: 'POST', headers: json, body: '{}' });
    expectRefusal(pagePost, 405, 'invalid-argument');
    expect(pagePost.headers['allow']).toBe('GET, HEAD');
  });

  it('answers garbage that is not HTTP with 400 and keeps serving', async () => {
    const response = await rawExchange(host.origin, '\x16\x03\x01 this is not http\r\n\r\n');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect((await send('/api/health')).status).toBe(200);
  });

  it('puts the security headers on refusals of Host and Origin and on the health answer', async () => {
    expectRefusal(await send('/', { headers: { host: 'evil.example' } }), 403, 'forbidden', /loopback address/);
    expectRefusal(await send('/api/call/system.status', { method: 'POST', headers: { ...auth, origin: 'http://evil.example' }, body: '{}' }), 403, 'forbidden', /cross-origin/);
    expect((await send('/api/health')).headers['content-security-policy']).toContain("default-src 'none'");
  });
});
