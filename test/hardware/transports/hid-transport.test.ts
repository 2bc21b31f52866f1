import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HidTransport, type HidBackend, type HidDeviceHandle, type HidDeviceSummary } from '../../../hardware/transports/hid-transport.js';
import type { TransportError } from '../../../hardware/transports/transport.js';

/** A fake node-hid device: records reports written, lets the test push input reports and errors. */
class FakeHidDevice extends EventEmitter implements HidDeviceHandle {
  readonly written: number[][] = [];
  readonly features: number[][] = [];
  closed = false;
  failWrites = false;
  async write(values: number[] | Buffer): Promise<number> {
    if (this.failWrites) throw new Error('could not write to HID device');
    this.written.push([...values]);
    return values.length;
  }
  async sendFeatureReport(data: number[] | Buffer): Promise<number> {
    this.features.push([...data]);
    return data.length;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function backendWith(summaries: HidDeviceSummary[], devices: Record<string, FakeHidDevice>): HidBackend & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    devices: async () => summaries,
    open: async (path) => {
      const device = devices[path];
      if (!device) throw new Error(`cannot open device with path ${path}`);
      opened.push(path);
      return device;
    },
  };
}

describe('HidTransport (through the backend interface with a fake device)', () => {
  const relayA = { vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw0', serialNumber: 'AAAAA' };
  const relayB = { vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw1', serialNumber: 'BBBBB' };

  it('opens the device with the requested serial number, writes reports, sends feature reports, emits input reports', async () => {
    const deviceB = new FakeHidDevice();
    const backend = backendWith([relayA, relayB], { '/dev/hidraw0': new FakeHidDevice(), '/dev/hidraw1': deviceB });
    const transport = new HidTransport({ vendorId: 0x16c0, productId: 0x05df, serialNumber: 'BBBBB' }, backend);
    expect(transport.description).toBe('hid:0x16c0:0x05df?serial=BBBBB');
    await transport.open();
    expect(backend.opened).toEqual(['/dev/hidraw1']);
    await transport.write(Uint8Array.of(0, 1, 2));
    await transport.sendFeatureReport(Uint8Array.of(0, 0xff, 1));
    expect(deviceB.written).toEqual([[0, 1, 2]]);
    expect(deviceB.features).toEqual([[0, 0xff, 1]]);
    const received: number[][] = [];
    transport.on('data', (chunk) => received.push([...chunk]));
    deviceB.emit('data', Buffer.from([2, 3, 0x5d, 0x45, 0x30]));
    expect(received).toEqual([[2, 3, 0x5d, 0x45, 0x30]]);
  });

  it('prefers the interface with the requested usage page', async () => {
    const keyboard = { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x01 };
    const pos = { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw3', usagePage: 0x8c };
    const backend = backendWith([keyboard, pos], { '/dev/hidraw2': new FakeHidDevice(), '/dev/hidraw3': new FakeHidDevice() });
    await new HidTransport({ vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c }, backend).open();
    expect(backend.opened).toEqual(['/dev/hidraw3']);
  });

  it('no matching device → not-found; permission failure → permission; listing failure → io', async () => {
    await expect(new HidTransport({ vendorId: 1, productId: 2 }, backendWith([relayA], {})).open()).rejects.toMatchObject({ code: 'not-found' });
    await expect(new HidTransport({ vendorId: 0x16c0, productId: 0x05df, serialNumber: 'ZZZ' }, backendWith([relayA], {})).open()).rejects.toMatchObject({ code: 'not-found' });
    const denied: HidBackend = { devices: async () => [relayA], open: async () => Promise.reject(new Error('cannot open device: Permission denied')) };
    await expect(new HidTransport({ vendorId: 0x16c0, productId: 0x05df }, denied).open()).rejects.toMatchObject({ code: 'permission', retryable: false });
    const broken: HidBackend = { devices: async () => Promise.reject(new Error('libusb missing')), open: async () => new FakeHidDevice() };
    await expect(new HidTransport({ vendorId: 1, productId: 2 }, broken).open()).rejects.toMatchObject({ code: 'io' });
  });

  it('device error → exactly one disconnect; later writes reject closed; close is idempotent', async () => {
    const device = new FakeHidDevice();
    const transport = new HidTransport({ vendorId: 0x16c0, productId: 0x05df }, backendWith([relayA], { '/dev/hidraw0': device }));
    await transport.open();
    const causes: TransportError[] = [];
    transport.on('disconnect', (cause) => causes.push(cause));
    device.emit('error', new Error('could not read from HID device'));
    device.emit('error', new Error('again'));
    expect(causes.map((cause) => cause.code)).toEqual(['io']);
    expect(device.closed).toBe(true);
    await expect(transport.write(Uint8Array.of(0))).rejects.toMatchObject({ code: 'closed' });
    await transport.close();
    await transport.close();
  });

  it('a failing write rejects io and disconnects once', async () => {
    const device = new FakeHidDevice();
    const transport = new HidTransport({ vendorId: 0x16c0, productId: 0x05df }, backendWith([relayA], { '/dev/hidraw0': device }));
    await transport.open();
    let disconnects = 0;
    transport.on('disconnect', () => (disconnects += 1));
    device.failWrites = true;
    await expect(transport.write(Uint8Array.of(0, 1))).rejects.toMatchObject({ code: 'io' });
    await expect(transport.write(Uint8Array.of(0, 1))).rejects.toMatchObject({ code: 'closed' });
    expect(disconnects).toBe(1);
  });
});
