import { describe, expect, it } from 'vitest';
import { parseDeviceUri } from '../../../hardware/transports/device-uri.js';
import { FileTransport } from '../../../hardware/transports/file-transport.js';
import { HidTransport } from '../../../hardware/transports/hid-transport.js';
import type { MemoryLink } from '../../../hardware/transports/memory-transport.js';
import { createTransport, openTransport, type SimulatedDeviceUri } from '../../../hardware/transports/open-transport.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';
import { TcpTransport } from '../../../hardware/transports/tcp-transport.js';

describe('createTransport', () => {
  it.each([
    ['serial:/dev/ttyUSB0?baud=115200', SerialTransport, 'serial:/dev/ttyUSB0'],
    ['socket://10.0.0.5:9100', TcpTransport, 'socket://10.0.0.5:9100'],
    ['socket://[::1]:9101', TcpTransport, 'socket://[::1]:9101'],
    ['file:/dev/usb/lp0', FileTransport, 'file:/dev/usb/lp0'],
    ['hid:16c0:05df?serial=AB12', HidTransport, 'hid:0x16c0:0x05df?serial=AB12'],
  ])('%s becomes the right unopened transport', (uri, type, description) => {
    const transport = createTransport(parseDeviceUri(uri));
    expect(transport).toBeInstanceOf(type);
    expect(transport.description).toBe(description);
    expect(transport.isOpen).toBe(false);
  });

  it('sim: hands the device end to the injected simulator and the host end to the driver', async () => {
    const attached: { uri: SimulatedDeviceUri; link: MemoryLink }[] = [];
    const transport = createTransport(parseDeviceUri('sim:scanner?codes=1'), {
      attachSimulator: (uri, link) => {
        attached.push({ uri, link });
        void link.device.open().then(() => link.device.write(new TextEncoder().encode('hello\r')));
      },
    });
    expect(attached).toHaveLength(1);
    expect(attached[0]?.uri).toMatchObject({ kind: 'scanner', options: { codes: '1' } });
    expect(transport).toBe(attached[0]?.link.host);
    const text = new Promise<string>((resolve) => transport.on('data', (chunk) => resolve(new TextDecoder().decode(chunk))));
    await transport.open();
    expect(await text).toBe('hello\r');
  });

  it('openTransport opens what it builds and passes the open error through', async () => {
    const transport = await openTransport(parseDeviceUri('sim:printer'), { attachSimulator: () => undefined });
    expect(transport.isOpen).toBe(true);
    await expect(openTransport(parseDeviceUri('serial:/dev/no-such-tty-here'))).rejects.toMatchObject({ code: 'not-found' });
  });

  it('sim: without a simulator wired fails with not-found', () => {
    expect(() => createTransport(parseDeviceUri('sim:printer'))).toThrow(expect.objectContaining({ code: 'not-found' }) as Error);
  });
});
