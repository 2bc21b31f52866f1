import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { FileTransport, fileOpenError } from '../../../hardware/transports/file-transport.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';

describe('FileTransport', { timeout: 60_000 }, () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
  });

  it('writes bytes to a file (appending), write after close rejects closed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'file-transport-')), 'lp0');
    const transport = new FileTransport({ path });
    await transport.open();
    await transport.write(Uint8Array.of(0x1b, 0x40));
    await transport.write(new TextEncoder().encode('hi\n'));
    await transport.close();
    await transport.close();
    expect([...readFileSync(path)]).toEqual([0x1b, 0x40, 0x68, 0x69, 0x0a]);
    await expect(transport.write(Uint8Array.of(1))).rejects.toMatchObject({ name: 'TransportError', code: 'closed' });
    const again = new FileTransport({ path });
    await again.open();
    await again.write(Uint8Array.of(0x21));
    await again.close();
    expect(readFileSync(path).at(-1)).toBe(0x21);
  });

  it('a missing device path is not-found', async () => {
    await expect(new FileTransport({ path: '/dev/usb/lp-none' }).open()).rejects.toMatchObject({ code: 'not-found' });
  });

  it('reads the back channel of a character device (a PTY stands in for /dev/usb/lp0)', async () => {
    const pair: PtyPair = await createPtyPair();
    open.push(pair);
    const printer = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
    await printer.open();
    open.push(printer);
    const transport = new FileTransport({ path: pair.hostPath, readPollMs: 10 });
    await transport.open();
    open.push(transport);
    const status = new Promise<number[]>((resolve) => transport.on('data', (chunk) => resolve([...chunk])));
    const atPrinter = new Promise<number[]>((resolve) => printer.on('data', (chunk) => resolve([...chunk])));
    await transport.write(Uint8Array.of(0x10, 0x04, 0x01));
    expect(await atPrinter).toEqual([0x10, 0x04, 0x01]);
    await printer.write(Uint8Array.of(0x16));
    expect(await status).toEqual([0x16]);
  });

  it.each([
    ['ENOENT', 'not-found'],
    ['ENODEV', 'not-found'],
    ['EACCES', 'permission'],
    ['EBUSY', 'busy'],
    ['EIO', 'io'],
  ])('maps %s to %s', (code, expected) => {
    expect(fileOpenError('/dev/usb/lp0', Object.assign(new Error(code), { code })).code).toBe(expected);
  });
});
