import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverDevices } from '../../../hardware/discovery/discover-devices.js';
import { findKnownDevice, knownDevices } from '../../../hardware/discovery/known-devices.js';
import { listHidDevices } from '../../../hardware/discovery/list-hid-devices.js';
import { listSerialPorts } from '../../../hardware/discovery/list-serial-ports.js';
import { listUsbPrinters } from '../../../hardware/discovery/list-usb-printers.js';

const udevMissing = async () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', syscall: 'spawn udevadm' }));

function fakeDev(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-dev-'));
  for (const name of names) writeFileSync(join(dir, name), '');
  return dir;
}

describe('listSerialPorts', () => {
  it('maps serialport list entries: hex ids to numbers, empty strings to undefined', async () => {
    const listing = await listSerialPorts({
      listPorts: async () => [
        { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', serialNumber: '', manufacturer: 'wch.cn' },
        { path: '/dev/ttyS0' },
      ],
    });
    expect(listing.warnings).toEqual([]);
    expect(listing.ports).toEqual([
      { path: '/dev/ttyUSB0', vendorId: 0x1a86, productId: 0x7523, serialNumber: undefined, manufacturer: 'wch.cn' },
      { path: '/dev/ttyS0', vendorId: undefined, productId: undefined, serialNumber: undefined, manufacturer: undefined },
    ]);
  });

  it('without udevadm (ENOENT) falls back to scanning /dev with a clear warning', async () => {
    const devDir = fakeDev(['ttyUSB10', 'ttyUSB2', 'ttyACM0', 'ttyS0', 'sda', 'tty', 'ttyprintk', 'null']);
    const listing = await listSerialPorts({ listPorts: udevMissing, devDir });
    expect(listing.ports.map((port) => port.path)).toEqual(['ttyACM0', 'ttyS0', 'ttyUSB2', 'ttyUSB10'].map((name) => join(devDir, name)));
    expect(listing.warnings[0]).toMatch(/udevadm is not installed \(Debian package "udev"\)/);
  });

  it('any other list failure also falls back, naming the error', async () => {
    const listing = await listSerialPorts({ listPorts: async () => Promise.reject(new Error('boom')), devDir: fakeDev(['ttyUSB0']) });
    expect(listing.ports).toHaveLength(1);
    expect(listing.warnings[0]).toMatch(/boom/);
  });

  it('an unreadable /dev gives an empty list and a warning, not an exception', async () => {
    const listing = await listSerialPorts({ listPorts: udevMissing, devDir: '/nonexistent-dev-dir' });
    expect(listing.ports).toEqual([]);
    expect(listing.warnings).toHaveLength(2);
  });
});

describe('listHidDevices', () => {
  it('survives node-hid failing', async () => {
    const listing = await listHidDevices({ devices: async () => Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')) });
    expect(listing).toEqual({ devices: [], warnings: [expect.stringMatching(/HID devices cannot be listed: libusb/)] });
  });
});

describe('discoverDevices', () => {
  it('works with no devices, no udevadm and no HID access', async () => {
    const discovery = await discoverDevices({
      serial: { listPorts: udevMissing, devDir: fakeDev([]) },
      hid: { devices: async () => Promise.reject(new Error('no hid')) },
      usbPrinters: { devDir: '/nonexistent-dev-usb' },
    });
    expect(discovery.devices).toEqual([]);
    expect(discovery.warnings).toEqual([expect.stringMatching(/udevadm/), expect.stringMatching(/no hid/)]);
  });

  it('combines serial and HID devices with URIs and suggested roles; one row per HID device, preferring the POS interface', async () => {
    const discovery = await discoverDevices({
      serial: { listPorts: async () => [{ path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523' }] },
      usbPrinters: { devDir: '/nonexistent-dev-usb' },
      hid: {
        devices: async () => [
          { vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw0', serialNumber: 'QAAMZ', product: 'USBRelay2' },
          { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw1', usagePage: 0x01, serialNumber: 'S1' },
          { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x8c, serialNumber: 'S1' },
        ],
      },
    });
    expect(discovery.devices).toMatchObject([
      { kind: 'serial', uri: 'serial:/dev/ttyUSB0', suggestedRole: 'serial-adapter', knownAs: 'WCH CH340 USB-serial' },
      { kind: 'hid', uri: 'hid:0x16c0:0x05df?serial=QAAMZ', suggestedRole: 'relay' },
      { kind: 'hid', uri: 'hid:0x0c2e:0x0b61?serial=S1', path: '/dev/hidraw2', suggestedRole: 'scanner' },
    ]);
    expect(discovery.devices).toHaveLength(3);
  });
});

describe('listUsbPrinters', () => {
  it('lists /dev/usb/lp* with USB ids from sysfs (through the device/.. symlink)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'usblp-'));
    const devDir = join(root, 'dev-usb');
    mkdirSync(devDir);
    for (const name of ['lp1', 'lp0', 'hiddev0']) writeFileSync(join(devDir, name), '');
    const usbDevice = join(root, 'devices', '1-1');
    mkdirSync(join(usbDevice, '1-1:1.0'), { recursive: true });
    writeFileSync(join(usbDevice, 'idVendor'), '04b8\n');
    writeFileSync(join(usbDevice, 'idProduct'), '0202\n');
    writeFileSync(join(usbDevice, 'serial'), 'TM88-001\n');
    const sysClassDir = join(root, 'usbmisc');
    mkdirSync(join(sysClassDir, 'lp0'), { recursive: true });
    symlinkSync(join(usbDevice, '1-1:1.0'), join(sysClassDir, 'lp0', 'device'));
    const listing = await listUsbPrinters({ devDir, sysClassDir });
    expect(listing.warnings).toEqual([]);
    expect(listing.printers).toEqual([
      { path: join(devDir, 'lp0'), vendorId: 0x04b8, productId: 0x0202, serialNumber: 'TM88-001', manufacturer: undefined, product: undefined },
      { path: join(devDir, 'lp1'), vendorId: undefined, productId: undefined, serialNumber: undefined, manufacturer: undefined, product: undefined },
    ]);
    const discovery = await discoverDevices({ serial: { listPorts: async () => [] }, hid: { devices: async () => [] }, usbPrinters: { devDir, sysClassDir } });
    expect(discovery.devices[0]).toMatchObject({ kind: 'usb-printer', uri: `file:${join(devDir, 'lp0')}`, suggestedRole: 'receipt-printer', knownAs: expect.stringMatching(/Epson/) });
  });

  it('no /dev/usb means no printers and no warning', async () => {
    expect(await listUsbPrinters({ devDir: '/nonexistent-dev-usb' })).toEqual({ printers: [], warnings: [] });
  });
});

describe('knownDevices', () => {
  it('exact product rows win over vendor rows; unknown ids give nothing', () => {
    expect(findKnownDevice(0x04b8, 0x0202)?.role).toBe('receipt-printer');
    expect(findKnownDevice(0x0c2e, 0x1234)?.role).toBe('scanner');
    expect(findKnownDevice(0x1234, 0x5678)).toBeUndefined();
    expect(findKnownDevice(undefined, undefined)).toBeUndefined();
  });

  it('has no duplicate rows', () => {
    const keys = knownDevices.map((device) => `${device.vendorId}:${device.productId ?? '*'}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
