import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { answerLaunchExchange, LaunchCodeStore } from '../../main/host/launch-code.js';
import { loopbackPeerUid } from '../../main/security/loopback-peer.js';

function storeAt(startMs = 1_000_000): { store: LaunchCodeStore; clock: { now: number } } {
  const clock = { now: startMs };
  return { store: new LaunchCodeStore({ nowMs: () => clock.now, ttlMs: 60_000, maxLive: 3 }), clock };
}

describe('LaunchCodeStore', () => {
  it('a code works once', () => {
    const { store } = storeAt();
    const code = store.create();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.redeem(code)).toBe('redeemed');
    expect(store.redeem(code)).toBe('used');
    expect(store.redeem(store.create().replace(/^./, (first) => (first === 'A' ? 'B' : 'A')))).toBe('unknown');
  });

  it('a code expires after its lifetime, to the millisecond', () => {
    const { store, clock } = storeAt();
    const early = store.create();
    const late = store.create();
    clock.now += 59_999;
    expect(store.redeem(early)).toBe('redeemed');
    clock.now += 1;
    expect(store.redeem(late)).not.toBe('redeemed');
  });

  it('keeps at most maxLive codes: the oldest is dropped', () => {
    const { store } = storeAt();
    const codes = Array.from({ length: 4 }, () => store.create());
    expect(store.redeem(codes[0]!)).toBe('unknown');
    expect(codes.slice(1).map((code) => store.redeem(code))).toEqual(['redeemed', 'redeemed', 'redeemed']);
  });
});

describe('answerLaunchExchange', () => {
  it.each<[string, unknown]>([
    ['no body', undefined],
    ['a list', [1]],
    ['a number code', { code: 5 }],
    ['a short code', { code: 'abc' }],
    ['a huge code', { code: 'A'.repeat(100_000) }],
  ])('answers 400 to %s without touching the store', (_label, body) => {
    const { store } = storeAt();
    const answer = answerLaunchExchange({ store, token: 'T', body, connection: { serverPort: 1, clientAddress: '127.0.0.1', clientPort: 2 } });
    expect(answer).toMatchObject({ status: 400, outcome: 'malformed', body: { ok: false, error: { code: 'invalid-argument' } } });
  });
});

describe.runIf(process.platform === 'linux')('loopbackPeerUid', () => {
  async function lookupThrough(host: '127.0.0.1' | '::1'): Promise<unknown> {
    let seen: unknown;
    const server = createServer((request: IncomingMessage, response) => {
      seen = loopbackPeerUid({ serverPort: request.socket.localPort ?? 0, clientAddress: request.socket.remoteAddress ?? '', clientPort: request.socket.remotePort ?? 0 });
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    const { port } = server.address() as AddressInfo;
    await (await fetch(host === '::1' ? `http://[::1]:${port}/` : `http://127.0.0.1:${port}/`)).text();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    return seen;
  }

  it.each(['127.0.0.1', '::1'] as const)('finds our own uid for a connection to %s', async (host) => {
    expect(await lookupThrough(host)).toEqual({ kind: 'found', uid: process.getuid?.() });
  });

  it('reports not-found for a connection that does not exist, and unavailable without socket tables', () => {
    expect(loopbackPeerUid({ serverPort: 1, clientAddress: '127.0.0.1', clientPort: 1 })).toEqual({ kind: 'not-found' });
    expect(loopbackPeerUid({ serverPort: 1, clientAddress: '127.0.0.1', clientPort: 1 }, ['/nonexistent/tcp'])).toEqual({ kind: 'unavailable' });
  });
});
