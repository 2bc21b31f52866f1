import { describe, expect, it } from 'vitest';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import type { TransportError } from '../../../hardware/transports/transport.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createMemoryLink', () => {
  it('carries bytes both ways, one chunk per write, in order, never synchronously', async () => {
    const { host, device } = createMemoryLink();
    await host.open();
    await device.open();
    const atDevice: number[][] = [];
    const atHost: number[][] = [];
    device.on('data', (chunk) => atDevice.push([...chunk]));
    host.on('data', (chunk) => atHost.push([...chunk]));
    const sent = Uint8Array.of(1, 2, 3);
    const first = host.write(sent);
    sent[0] = 99; // the link copied the bytes
    const second = host.write(Uint8Array.of(4));
    expect(atDevice).toEqual([]);
    await Promise.all([first, second]);
    await tick();
    expect(atDevice).toEqual([[1, 2, 3], [4]]);
    await device.write(Uint8Array.of(0x12));
    await tick();
    expect(atHost).toEqual([[0x12]]);
  });

  it('buffers bytes until the other end opens; close discards them', async () => {
    const { host, device } = createMemoryLink();
    await host.open();
    await host.write(Uint8Array.of(7, 8));
    const received: number[] = [];
    device.on('data', (chunk) => received.push(...chunk));
    await device.open();
    await tick();
    expect(received).toEqual([7, 8]);
    await device.close();
    await host.write(Uint8Array.of(9));
    await device.open();
    await tick();
    expect(received).toEqual([7, 8, 9]);
    await device.close();
    await host.write(Uint8Array.of(10));
    await device.close(); // discards the 10 waiting for it
    await device.open();
    await tick();
    expect(received).toEqual([7, 8, 9]);
  });

  it('rejects writes with closed before open and after close; close is idempotent', async () => {
    const { host } = createMemoryLink();
    await expect(host.write(Uint8Array.of(1))).rejects.toMatchObject({ name: 'TransportError', code: 'closed' });
    await host.open();
    await host.close();
    await host.close();
    await expect(host.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('unplug: one disconnect on the host, host cannot reopen until replug, device keeps running', async () => {
    const link = createMemoryLink({ description: 'sim:printer' });
    await link.host.open();
    await link.device.open();
    const causes: TransportError[] = [];
    link.host.on('disconnect', (cause) => causes.push(cause));
    const atHost: number[] = [];
    link.host.on('data', (chunk) => atHost.push(...chunk));
    link.unplug();
    link.unplug();
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ name: 'TransportError', code: 'io' });
    expect(link.host.isOpen).toBe(false);
    expect(link.device.isOpen).toBe(true);
    await expect(link.host.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
    await expect(link.host.open()).rejects.toMatchObject({ code: 'not-found' });
    await link.device.write(Uint8Array.of(0x55)); // lost on the cut wire
    link.replug();
    await link.host.open();
    await link.device.write(Uint8Array.of(0x66));
    await tick();
    expect(atHost).toEqual([0x66]);
    expect(causes).toHaveLength(1);
  });

  it('unsubscribing stops delivery', async () => {
    const { host, device } = createMemoryLink();
    await host.open();
    await device.open();
    const received: number[] = [];
    const off = device.on('data', (chunk) => received.push(...chunk));
    off();
    await host.write(Uint8Array.of(1));
    await tick();
    expect(received).toEqual([]);
  });
});
