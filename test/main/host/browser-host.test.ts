import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserHost, type RunningBrowserHost } from '../../../main/host/browser-host.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';

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
