import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDeviceTable, runDevicesCommand, runScannerSimulator } from '../../../main/cli/device-commands.js';
import { buildProgram } from '../../../main/cli/terminal-cli.js';
import { ScannerDevice, type Scan } from '../../../hardware/scanners/scanner-device.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const udevMissing = async () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' }));
const emptyDev = () => mkdtempSync(join(tmpdir(), 'empty-dev-'));

describe('terminal devices', () => {
  it('works on a machine with no devices, no udevadm and no HID access', async () => {
    const lines: string[] = [];
    await runDevicesCommand({}, (line) => lines.push(line), {
      serial: { listPorts: udevMissing, devDir: emptyDev() },
      hid: { devices: async () => Promise.reject(new Error('cannot load node-hid')) },
      usbPrinters: { devDir: '/nonexistent-dev-usb' },
    });
    expect(lines).toEqual([
      'no serial ports, HID devices or USB printers found',
      'warning: udevadm is not installed (Debian package "udev"), so serial ports are listed from /dev without USB ids',
      'warning: HID devices cannot be listed: cannot load node-hid',
    ]);
  });

  it('--json prints parseable {devices, warnings}', async () => {
    const lines: string[] = [];
    await runDevicesCommand({ json: true }, (line) => lines.push(line), { serial: { listPorts: udevMissing, devDir: emptyDev() }, hid: { devices: async () => [] }, usbPrinters: { devDir: '/nonexistent-dev-usb' } });
    expect(JSON.parse(lines.join('\n'))).toEqual({ devices: [], warnings: [expect.stringMatching(/udevadm/)] });
  });

  it('formats a table with ids, role and notes', () => {
    const table = formatDeviceTable([
      { kind: 'serial', uri: 'serial:/dev/ttyUSB0', path: '/dev/ttyUSB0', vendorId: 0x1a86, productId: 0x7523, knownAs: 'WCH CH340 USB-serial', suggestedRole: 'serial-adapter', note: 'LCUS relays use it' },
      { kind: 'hid', uri: 'hid:0x16c0:0x05df?serial=QAAMZ', path: '/dev/hidraw0', vendorId: 0x16c0, productId: 0x05df, serialNumber: 'QAAMZ', product: 'USBRelay2' },
    ]);
    expect(table[0]).toMatch(/^KIND\s+URI\s+VID:PID\s+SERIAL\s+SUGGESTED ROLE\s+DEVICE$/);
    expect(table[1]).toMatch(/^serial\s+serial:\/dev\/ttyUSB0\s+1a86:7523\s+-\s+serial-adapter\s+WCH CH340 USB-serial$/);
    expect(table[2]).toMatch(/^hid\s+hid:0x16c0:0x05df\?serial=QAAMZ\s+16c0:05df\s+QAAMZ\s+-\s+USBRelay2$/);
    expect(table.slice(3)).toEqual(['notes:', '  serial:/dev/ttyUSB0: LCUS relays use it']);
  });

  it('is registered on the program, with simulate scanner', () => {
    const program = buildProgram({ print: () => undefined });
    expect(program.commands.map((command) => command.name())).toContain('devices');
    const simulate = program.commands.find((command) => command.name() === 'simulate');
    expect(simulate?.commands.map((command) => command.name())).toContain('scanner');
  });
});

describe('terminal simulate scanner', { timeout: 60_000 }, () => {
  it('sends --code values then standard-input lines, CR-terminated, to a driver on the PTY', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const scans: Scan[] = [];
    let device: ScannerDevice | undefined;
    const allScanned = new Promise<void>((resolve) => {
      const run = runScannerSimulator(
        {
          codes: ['281234567890123456'],
          input: Readable.from(['6901234567892\n', '\n', 'CPN-BAD-0000\n']),
          stop: stopped,
          onReady: async (hostPath) => {
            device = new ScannerDevice({ transport: new SerialTransport({ path: hostPath, baudRate: 9600 }), framing: 'serial-lines' });
            device.on('scan', (scan) => {
              scans.push(scan);
              if (scans.length === 3) resolve();
            });
            await device.start();
          },
        },
        (line) => lines.push(line),
      );
      void run.then(() => lines.push('(returned)'));
    });
    await allScanned;
    await device?.stop();
    stop();
    await new Promise<void>((resolve) => {
      const check = () => (lines.includes('(returned)') ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(scans.map((scan) => [scan.text, scan.code.kind])).toEqual([
      ['281234567890123456', 'payment-code'],
      ['6901234567892', 'product'],
      ['CPN-BAD-0000', 'rejected'],
    ]);
    expect(lines[0]).toMatch(/^scanner simulator ready: host path \S+/);
    expect(lines).toContain('sent: 281234567890123456 (payment-code)');
    expect(lines).toContain('sent: CPN-BAD-0000 (would be rejected: coupon-malformed)');
    expect(lines).toContain('scanner simulator stopped');
  });
});
