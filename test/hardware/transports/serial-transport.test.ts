import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { SerialTransport, serialOpenError } from '../../../hardware/transports/serial-transport.js';
import { TransportError } from '../../../hardware/transports/transport.js';

/** Resolves when `predicate` holds for the bytes collected so far. */
function collect(transport: SerialTransport) {
  const chunks: number[] = [];
  const waiters: { predicate: (bytes: number[]) => boolean; resolve: () => void }[] = [];
  transport.on('data', (chunk) => {
    chunks.push(...chunk);
    for (const waiter of [...waiters]) if (waiter.predicate(chunks)) waiter.resolve();
  });
  return {
    bytes: chunks,
    until: (predicate: (bytes: number[]) => boolean) =>
      new Promise<void>((resolve) => (predicate(chunks) ? resolve() : waiters.push({ predicate, resolve }))),
  };
}

describe('SerialTransport over a socat PTY pair', { timeout: 60_000 }, () => {
  let pair: PtyPair | undefined;
  const opened: SerialTransport[] = [];
  afterEach(async () => {
    for (const transport of opened.splice(0)) await transport.close();
    await pair?.close();
    pair = undefined;
  });

  async function openBoth() {
    pair = await createPtyPair();
    const host = new SerialTransport({ path: pair.hostPath, baudRate: 9600 });
    const device = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
    opened.push(host, device);
    await host.open();
    await device.open();
    return { host, device };
  }

  it('carries bytes both ways, all 256 byte values intact', async () => {
    const { host, device } = await openBoth();
    const atDevice = collect(device);
    const atHost = collect(host);
    const every = Uint8Array.from({ length: 256 }, (_, index) => index);
    await host.write(every);
    await atDevice.until((bytes) => bytes.length >= 256);
    expect(atDevice.bytes).toEqual([...every]);
    await device.write(Uint8Array.of(0x10, 0x04, 0x01));
    await atHost.until((bytes) => bytes.length >= 3);
    expect(atHost.bytes).toEqual([0x10, 0x04, 0x01]);
  });

  it('emits exactly one disconnect when the pair goes away, then rejects writes with closed', async () => {
    const { host } = await openBoth();
    const causes: TransportError[] = [];
    const disconnected = new Promise<void>((resolve) =>
      host.on('disconnect', (cause) => {
        causes.push(cause);
        resolve();
      }),
    );
    await pair?.close();
    await disconnected;
    // Give any duplicate event a chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toBeInstanceOf(TransportError);
    expect(causes[0]?.code).toBe('io');
    expect(host.isOpen).toBe(false);
    await expect(host.write(Uint8Array.of(1))).rejects.toMatchObject({ name: 'TransportError', code: 'closed' });
  });

  it('our own close is not a disconnect; close is idempotent; write after close rejects closed', async () => {
    const { host } = await openBoth();
    let disconnects = 0;
    host.on('disconnect', () => (disconnects += 1));
    await host.close();
    await host.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(disconnects).toBe(0);
    await expect(host.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('opening a missing port rejects not-found', async () => {
    const transport = new SerialTransport({ path: '/dev/does-not-exist-tty', baudRate: 9600 });
    await expect(transport.open()).rejects.toMatchObject({ name: 'TransportError', code: 'not-found' });
  });
});

describe('serialOpenError', () => {
  it.each([
    [Object.assign(new Error('Error: No such file or directory, cannot open /dev/x'), { code: 'ENOENT' }), 'not-found', true],
    [new Error('Error Resource temporarily unavailable Cannot lock port'), 'busy', true],
    [new Error('Error: Permission denied, cannot open /dev/ttyS0'), 'permission', false],
    [new Error('Error: Input/output error'), 'io', true],
  ])('maps %s', (error, code, retryable) => {
    const mapped = serialOpenError('/dev/x', error);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
  });
});
