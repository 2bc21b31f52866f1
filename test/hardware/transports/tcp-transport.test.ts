import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport } from '../../../hardware/transports/tcp-transport.js';
import type { TransportError } from '../../../hardware/transports/transport.js';

describe('TcpTransport against a local server', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  const transports: TcpTransport[] = [];
  afterEach(async () => {
    for (const transport of transports.splice(0)) await transport.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A server on 127.0.0.1 port 0 handing each accepted socket to the test. */
  async function listen(): Promise<{ port: number; accepted: Promise<Socket> }> {
    let accept!: (socket: Socket) => void;
    const accepted = new Promise<Socket>((resolve) => (accept = resolve));
    server = createServer((socket) => accept(socket));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return { port: address.port, accepted };
  }

  it('carries bytes both ways', async () => {
    const { port, accepted } = await listen();
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    transports.push(transport);
    await transport.open();
    const peer = await accepted;
    const atPeer: number[] = [];
    const gotFive = new Promise<void>((resolve) =>
      peer.on('data', (chunk) => {
        atPeer.push(...chunk);
        if (atPeer.length >= 5) resolve();
      }),
    );
    await transport.write(Uint8Array.of(0x1b, 0x40, 0x10, 0x04, 0x01));
    await gotFive;
    expect(atPeer).toEqual([0x1b, 0x40, 0x10, 0x04, 0x01]);
    const reply = new Promise<number[]>((resolve) => transport.on('data', (chunk) => resolve([...chunk])));
    peer.write(Uint8Array.of(0x12));
    expect(await reply).toEqual([0x12]);
  });

  it('peer close → exactly one disconnect, then writes reject closed', async () => {
    const { port, accepted } = await listen();
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    transports.push(transport);
    const causes: TransportError[] = [];
    const disconnected = new Promise<void>((resolve) =>
      transport.on('disconnect', (cause) => {
        causes.push(cause);
        resolve();
      }),
    );
    await transport.open();
    (await accepted).destroy();
    await disconnected;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(causes.map((cause) => cause.code)).toEqual(['io']);
    expect(transport.isOpen).toBe(false);
    await expect(transport.write(Uint8Array.of(1))).rejects.toMatchObject({ name: 'TransportError', code: 'closed' });
  });

  it('our close is not a disconnect and is idempotent', async () => {
    const { port } = await listen();
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    let disconnects = 0;
    transport.on('disconnect', () => (disconnects += 1));
    await transport.open();
    await transport.close();
    await transport.close();
    expect(disconnects).toBe(0);
    await expect(transport.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('refused connection → not-found', async () => {
    const { port } = await listen();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    await expect(transport.open()).rejects.toMatchObject({ name: 'TransportError', code: 'not-found' });
  });

  it('connection that never completes → timeout', async () => {
    // 192.0.2.0/24 (TEST-NET-1) is never routed; either the SYN hangs (timeout) or the kernel
    // says unreachable at once (not-found) on a machine without a default route.
    const transport = new TcpTransport({ host: '192.0.2.1', port: 9100, connectTimeoutMs: 200 });
    await expect(transport.open()).rejects.toSatisfy((error: TransportError) => error.code === 'timeout' || error.code === 'not-found');
  });
});
