/**
 * Hot-plug end to end on real parts: a scanner on a socat PTY pair is "unplugged" (the pair is
 * closed), the watcher marks it offline and retries, the pair is recreated at the same path
 * ("replugged"), the watcher rebinds it and the scanner device reads codes again.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemDeviceTimer } from '../../../hardware/devices/device-timer.js';
import { DeviceWatcher, type DeviceWatcherEvent } from '../../../hardware/discovery/device-watcher.js';
import { discoverDevices } from '../../../hardware/discovery/discover-devices.js';
import { ScannerDevice, type Scan } from '../../../hardware/scanners/scanner-device.js';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { ScannerSimulator } from '../../../hardware/simulators/scanner-simulator.js';
import { parseDeviceUri } from '../../../hardware/transports/device-uri.js';
import { createTransport } from '../../../hardware/transports/open-transport.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';

function nextEvent(events: DeviceWatcherEvent[], predicate: (event: DeviceWatcherEvent) => boolean): Promise<DeviceWatcherEvent> {
  return new Promise((resolve) => {
    const check = () => {
      const found = events.find(predicate);
      if (found) resolve(found);
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('hot-plug over a socat PTY pair', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('unplug → offline and one disconnect; replug at the same path → rebound; scans flow again', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hot-plug-'));
    const hostPath = join(folder, 'ttyUSB0');
    const devicePath = join(folder, 'scanner');
    let pair: PtyPair = await createPtyPair({ hostPath, devicePath });
    cleanup.push(() => pair.close());
    const list = () => discoverDevices({ serial: { listPorts: async () => (existsSync(hostPath) ? [{ path: hostPath }] : []) }, hid: { devices: async () => [] }, usbPrinters: { devDir: '/nonexistent-dev-usb' } });
    const watcher = new DeviceWatcher({ list, timer: systemDeviceTimer, pollMs: 100, initialDelayMs: 50, maxDelayMs: 200 });
    cleanup.push(() => watcher.stop());
    const events: DeviceWatcherEvent[] = [];
    watcher.on((event) => events.push(event));
    watcher.watch('scanner', { path: hostPath });

    const scans: Scan[] = [];
    let disconnects = 0;
    let scanner: ScannerDevice | undefined;
    const bind = async (uri: string) => {
      scanner = new ScannerDevice({ transport: createTransport(parseDeviceUri(uri)), framing: 'serial-lines' });
      scanner.on('scan', (scan) => scans.push(scan));
      scanner.on('disconnect', (cause) => {
        disconnects += 1;
        watcher.markOffline('scanner', cause.message);
      });
      await scanner.start();
    };
    cleanup.push(async () => scanner?.stop());
    await watcher.start();
    const online = await nextEvent(events, (event) => event.type === 'online');
    expect(online).toEqual({ type: 'online', id: 'scanner', uri: `serial:${hostPath}`, rebound: false });
    await bind(`serial:${hostPath}`);

    let simulator = new ScannerSimulator(new SerialTransport({ path: devicePath, baudRate: 9600 }));
    await simulator.start();
    await simulator.scan('6901234567892');
    await new Promise<void>((resolve) => {
      const check = () => (scans.length === 1 ? resolve() : setTimeout(check, 10));
      check();
    });

    await simulator.stop();
    await pair.close(); // cable pulled
    await nextEvent(events, (event) => event.type === 'offline');
    await nextEvent(events, (event) => event.type === 'retry-scheduled' && event.attempt >= 2);
    expect(disconnects).toBeLessThanOrEqual(1);

    pair = await createPtyPair({ hostPath, devicePath }); // plugged back in
    const rebound = await nextEvent(events, (event) => event.type === 'online' && event.rebound);
    expect(rebound).toMatchObject({ uri: `serial:${hostPath}` });
    await scanner?.stop();
    await bind(rebound.type === 'online' ? rebound.uri : '');
    simulator = new ScannerSimulator(new SerialTransport({ path: devicePath, baudRate: 9600 }));
    await simulator.start();
    cleanup.push(() => simulator.stop());
    await simulator.scan('281234567890123456');
    await new Promise<void>((resolve) => {
      const check = () => (scans.length === 2 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(scans.map((scan) => scan.code.kind)).toEqual(['product', 'payment-code']);
    expect(events.filter((event) => event.type === 'offline')).toHaveLength(1);
  }, 60_000);
});
