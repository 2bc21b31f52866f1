import { describe, expect, it } from 'vitest';
import { DeviceUriError, parseDeviceUri } from '../../../hardware/transports/device-uri.js';

describe('parseDeviceUri', () => {
  it.each([
    ['serial:/dev/ttyUSB0?baud=115200', { scheme: 'serial', path: '/dev/ttyUSB0', baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }],
    ['serial:/dev/ttyS1', { scheme: 'serial', path: '/dev/ttyS1', baudRate: 9600 }],
    ['serial:COM3?baud=9600&parity=even&stopBits=2', { scheme: 'serial', path: 'COM3', parity: 'even', stopBits: 2 }],
    ['socket://10.0.0.5:9100', { scheme: 'socket', host: '10.0.0.5', port: 9100 }],
    ['socket://printer.local', { scheme: 'socket', host: 'printer.local', port: 9100 }],
    ['socket://[::1]:9101', { scheme: 'socket', host: '::1', port: 9101 }],
    ['file:/dev/usb/lp0', { scheme: 'file', path: '/dev/usb/lp0' }],
    ['hid:0x0483:0x5750', { scheme: 'hid', vendorId: 0x0483, productId: 0x5750 }],
    ['hid:16c0:05df?serial=AB12', { scheme: 'hid', vendorId: 0x16c0, productId: 0x05df, serialNumber: 'AB12' }],
    ['sim:printer?fault=paper-out', { scheme: 'sim', kind: 'printer', options: { fault: 'paper-out' } }],
  ])('parses %s', (uri, expected) => {
    expect(parseDeviceUri(uri)).toMatchObject(expected);
  });

  it.each([
    ['', /expected a device URI/],
    ['/dev/ttyUSB0', /unknown scheme/],
    ['usb:/dev/lp0', /unknown scheme/],
    ['serial:', /needs a port path/],
    ['serial:/dev/ttyUSB0?baud=12345', /baud must be one of/],
    ['serial:/dev/ttyUSB0?speed=9600', /unknown parameter "speed"/],
    ['socket://10.0.0.5:70000', /port must be from 1 to 65535/],
    ['socket://', /expected socket:\/\/HOST:PORT/],
    ['file:relative/lp0', /absolute path/],
    ['hid:0x0483', /vendor id|product id/],
    ['hid:0x10000:0x1', /16-bit hex/],
    ['sim:toaster', /simulated device must be one of/],
  ])('refuses %j', (uri, message) => {
    expect(() => parseDeviceUri(uri)).toThrow(DeviceUriError);
    expect(() => parseDeviceUri(uri)).toThrow(message);
  });
});
