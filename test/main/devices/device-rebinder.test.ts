/**
 * DeviceRebinder + DeviceWatcher + PrinterStation on a fake clock: each "path" is an in-process
 * MemoryLink with a printer simulator on its device end, and the device listing is a fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceWatcher } from '../../../hardware/discovery/device-watcher.js';
import type { DiscoveredDevice, Discovery } from '../../../hardware/discovery/discover-devices.js';
import { MemoryPrintJobStore } from '../../../hardware/printers/memory-print-job-store.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { EscPosEncoder } from '../../../hardware/protocols/escpos/escpos-encoder.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { ScannerSimulator } from '../../../hardware/simulators/scanner-simulator.js';
import { parseDeviceUri } from '../../../hardware/transports/device-uri.js';
import { createMemoryLink, type MemoryLink } from '../../../hardware/transports/memory-transport.js';
import { TransportError, type Transport } from '../../../hardware/transports/transport.js';
import { DeviceRebinder, isPathDeviceUri, type PathDeviceUri } from '../../../main/devices/device-rebinder.js';
import { PrinterStation } from '../../../main/devices/printer-station.js';
import { RebindableTransport } from '../../../main/devices/rebindable-transport.js';
import { ScannerConnection } from '../../../main/devices/scanner-connection.js';
import type { ScanReceived } from '../../../main/contract/contract.js';
import { FakeClock } from '../../support/fake-clock.js';
import { captureLogger } from './capture-logger.js';

const profile = printerProfiles['generic-80mm'];
const printerIds = { vendorId: 0x0416, productId: 0x5011 };
const serialPort = (path: string, extra: Partial<DiscoveredDevice> = {}): DiscoveredDevice => ({ kind: 'serial', uri: `serial:${path}`, path, ...printerIds, serialNumber: 'PRN-1', ...extra });
const page = (text: string) => new EscPosEncoder({ chineseEncoding: 'gb18030' }).initialize().line(text).feedLines(3).cut('partial').encode();

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A "machine" whose serial device nodes are memory links, each with a printer simulator. */
function machine() {
  const timer = new FakeClock();
  const links = new Map<string, { link: MemoryLink; simulator: PrinterSimulator }>();
  let attached: DiscoveredDevice[] = [];
  let listings = 0;
  const list = async (): Promise<Discovery> => {
    listings += 1;
    return { devices: attached, warnings: [] };
  };
  const plug = async (path: string) => {
    const link = createMemoryLink({ description: `serial:${path}` });
    const simulator = new PrinterSimulator({ profile });
    await simulator.attach(link.device);
    links.set(path, { link, simulator });
    return simulator;
  };
  /** What the serial binding would do: a node that does not exist fails to open. */
  const created: PathDeviceUri[] = [];
  const createTransport = (uri: PathDeviceUri): Transport => {
    created.push(uri);
    const found = links.get(uri.path);
    if (found) return found.link.host;
    const missing = createMemoryLink({ description: `serial:${uri.path}` });
    missing.unplug('no such device');
    return missing.host;
  };
  const { logger, entries, messages } = captureLogger();
  const watcher = new DeviceWatcher({ list, timer, pollMs: 2000, initialDelayMs: 500, maxDelayMs: 4000 });
  const rebinder = new DeviceRebinder({ watcher, list, logger });
  stops.push(() => rebinder.stop());

  /** A receipt station bound to CONFIGURED, wired the way setup-devices.ts wires it. */
  const station = (role: string, configured: string) => {
    const uri = parseDeviceUri(configured);
    if (!isPathDeviceUri(uri)) throw new Error('test needs a serial: or file: URI');
    const states: string[] = [];
    const transport = new RebindableTransport(createTransport(uri), (cause) => rebinder.deviceLost(role, cause.message));
    const printer: PrinterStation = new PrinterStation({
      role,
      transport,
      profile,
      store: new MemoryPrintJobStore(),
      timer,
      logger,
      initialRetryDelayMs: 1000,
      onState: (state) => {
        states.push(state);
        if (state === 'online') void rebinder.identify(role);
      },
    });
    rebinder.add({ role, configuredUri: uri, transport, createTransport, reconnectNow: () => printer.recheckNow() });
    stops.push(() => printer.stop());
    return { printer, states };
  };

  return {
    timer,
    links,
    plug,
    created,
    station,
    rebinder,
    entries,
    messages,
    listings: () => listings,
    attach: (devices: DiscoveredDevice[]) => (attached = devices),
    unplug: (path: string) => links.get(path)?.link.unplug('cable pulled'),
  };
}

describe('DeviceRebinder on a fake clock', () => {
  it('reopens a printer that comes back under another path, keeps the configured options, logs it, and prints the queued job there', async () => {
    const m = machine();
    const before = await m.plug('/dev/ttyUSB0');
    m.attach([serialPort('/dev/ttyUSB0'), serialPort('/dev/ttyUSB3', { serialNumber: 'OTHER' })]);
    const { printer, states } = m.station('receiptPrinter', 'serial:/dev/ttyUSB0?baud=19200');
    await printer.start();
    await m.timer.advance(0);
    expect(states).toEqual(['online']);
    expect(m.entries.find((entry) => entry.msg.startsWith('device identified'))).toMatchObject({ role: 'receiptPrinter', path: '/dev/ttyUSB0', vendorId: '0x0416', productId: '0x5011', serialNumber: 'PRN-1' });
    expect(await printer.submit({ id: 'receiptPrinter/receipt/1', description: 'receipt 1', bytes: page('FIRST') })).toEqual({ state: 'printed' });
    expect(before.receipts.map((receipt) => receipt.lines[0])).toEqual(['FIRST']);

    m.unplug('/dev/ttyUSB0');
    m.attach([serialPort('/dev/ttyUSB3', { serialNumber: 'OTHER' })]);
    expect(m.messages()).toContain('device not attached; looking for it by its USB identity');
    expect(await printer.submit({ id: 'receiptPrinter/receipt/2', description: 'receipt 2', bytes: page('SECOND') })).toMatchObject({ state: 'queued' });
    expect(states.at(-1)).toBe('offline');
    await m.timer.advance(500 + 1000);
    expect(m.created).toHaveLength(1); // only the configured one so far

    // Plugged back in; the kernel gives it another name. Its twin model (other serial number) must not be taken.
    const after = await m.plug('/dev/ttyUSB1');
    m.attach([serialPort('/dev/ttyUSB3', { serialNumber: 'OTHER' }), serialPort('/dev/ttyUSB1')]);
    await m.timer.advance(2000);
    expect(m.entries.find((entry) => entry.msg === 'device rebound to a new path')).toMatchObject({ role: 'receiptPrinter', from: '/dev/ttyUSB0', to: '/dev/ttyUSB1' });
    expect(m.created.at(-1)).toEqual({ scheme: 'serial', path: '/dev/ttyUSB1', baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(m.rebinder.currentPath('receiptPrinter')).toBe('/dev/ttyUSB1');
    expect(states.at(-1)).toBe('online');
    expect(after.receipts.map((receipt) => receipt.lines[0])).toEqual(['SECOND']);
    expect(printer.pendingCount()).toBe(0);
    expect(await printer.submit({ id: 'receiptPrinter/receipt/3', description: 'receipt 3', bytes: page('THIRD') })).toEqual({ state: 'printed' });
    expect(after.receipts.map((receipt) => receipt.lines[0])).toEqual(['SECOND', 'THIRD']);
    expect(before.receipts).toHaveLength(1);
  });

  it('back at the same path: reopens there without a new transport', async () => {
    const m = machine();
    const simulator = await m.plug('/dev/ttyUSB0');
    m.attach([serialPort('/dev/ttyUSB0')]);
    const { printer, states } = m.station('receiptPrinter', 'serial:/dev/ttyUSB0');
    await printer.start();
    await m.timer.advance(0);
    m.unplug('/dev/ttyUSB0');
    m.attach([]);
    await printer.submit({ id: 'receiptPrinter/receipt/1', description: 'receipt 1', bytes: page('QUEUED') });
    m.links.get('/dev/ttyUSB0')!.link.replug();
    m.attach([serialPort('/dev/ttyUSB0')]);
    await m.timer.advance(500); // the watcher's first retry, well before the station's own 1000 ms backoff
    expect(m.messages()).toContain('device back at its path; reopening');
    expect(m.messages()).not.toContain('device rebound to a new path');
    expect(m.created).toHaveLength(1);
    expect(simulator.receipts.map((receipt) => receipt.lines[0])).toEqual(['QUEUED']);
    expect(states.at(-1)).toBe('online');
  });

  it.each<[string, DiscoveredDevice[], RegExp]>([
    ['without USB ids', [{ kind: 'serial', uri: 'serial:/dev/ttyS0', path: '/dev/ttyS0' }], /^device has no USB ids/],
    ['not listed at its path', [serialPort('/dev/ttyUSB7')], /^device not listed at its configured path/],
    ['sharing its identity with another attached device', [serialPort('/dev/ttyS0', { serialNumber: undefined }), serialPort('/dev/ttyUSB9', { serialNumber: undefined })], /^another attached device has the same USB identity/],
  ])('a device %s stays bound to its configured path only, and nothing is polled', async (_label, attached, message) => {
    const m = machine();
    await m.plug('/dev/ttyS0');
    m.attach(attached);
    const { printer } = m.station('receiptPrinter', 'serial:/dev/ttyS0');
    await printer.start();
    await m.timer.advance(0);
    expect(m.messages().some((text) => message.test(text)), m.messages().join(' | ')).toBe(true);
    expect(m.listings()).toBe(1);
    await printer.stop(); // a later online must not identify again
    await m.rebinder.identify('receiptPrinter');
    await m.timer.advance(60_000);
    expect(m.listings()).toBe(1);
  });

  it('reconnects a serial scanner that comes back under another path, and its scans flow again', async () => {
    const timer = new FakeClock();
    const { logger, entries } = captureLogger();
    const links = new Map([['/dev/ttyACM0', createMemoryLink()]]);
    const scannerPort = (path: string): DiscoveredDevice => ({ kind: 'serial', uri: `serial:${path}`, path, vendorId: 0x0c2e, productId: 0x0b61, serialNumber: 'SCN-7' });
    let attached = [scannerPort('/dev/ttyACM0')];
    const list = async (): Promise<Discovery> => ({ devices: attached, warnings: [] });
    const rebinder = new DeviceRebinder({ watcher: new DeviceWatcher({ list, timer, pollMs: 2000, initialDelayMs: 500 }), list, logger });
    stops.push(() => rebinder.stop());
    const uri = parseDeviceUri('serial:/dev/ttyACM0');
    if (!isPathDeviceUri(uri)) throw new Error('unreachable');
    const transport = new RebindableTransport(links.get('/dev/ttyACM0')!.host, (cause) => rebinder.deviceLost('scanner', cause.message));
    const scans: ScanReceived[] = [];
    const states: string[] = [];
    const scanner: ScannerConnection = new ScannerConnection({
      transport,
      framing: 'serial-lines',
      timer,
      logger,
      onScan: (scan) => scans.push(scan),
      onState: (state) => {
        states.push(state);
        if (state === 'online') void rebinder.identify('scanner');
      },
    });
    rebinder.add({ role: 'scanner', configuredUri: uri, transport, createTransport: (next) => links.get(next.path)!.host, reconnectNow: () => scanner.reconnectNow() });
    stops.push(() => scanner.stop());
    await scanner.start();
    await timer.advance(0);
    const before = new ScannerSimulator(links.get('/dev/ttyACM0')!.device);
    await before.start();
    await before.scan('6901234567892');
    await timer.advance(0);

    links.get('/dev/ttyACM0')!.unplug();
    attached = [];
    await timer.advance(500 + 1000);
    expect(states.at(-1)).toBe('offline');
    links.set('/dev/ttyACM1', createMemoryLink());
    attached = [scannerPort('/dev/ttyACM1')];
    await timer.advance(2000);
    expect(entries.find((entry) => entry.msg === 'device rebound to a new path')).toMatchObject({ role: 'scanner', from: '/dev/ttyACM0', to: '/dev/ttyACM1' });
    expect(states.at(-1)).toBe('online');
    const after = new ScannerSimulator(links.get('/dev/ttyACM1')!.device);
    await after.start();
    await after.scan('281234567890123456');
    await timer.advance(0);
    expect(scans.map((scan) => scan.kind)).toEqual(['product', 'payment-code']);
  });

  it('refuses to rebind onto a path another configured device is bound to', async () => {
    const m = machine();
    await m.plug('/dev/ttyUSB0');
    await m.plug('/dev/ttyUSB1');
    m.attach([serialPort('/dev/ttyUSB0'), serialPort('/dev/ttyUSB1', { ...{ vendorId: 0x1a86, productId: 0x7523 }, serialNumber: 'KITCHEN' })]);
    const receipt = m.station('receiptPrinter', 'serial:/dev/ttyUSB0');
    const kitchen = m.station('kitchenPrinter:hot', 'serial:/dev/ttyUSB1');
    await receipt.printer.start();
    await kitchen.printer.start();
    await m.timer.advance(0);
    m.unplug('/dev/ttyUSB0');
    m.attach([serialPort('/dev/ttyUSB1')]); // the listing now claims the receipt printer sits where the kitchen printer is bound
    await m.timer.advance(500);
    expect(m.entries.find((entry) => entry.msg.endsWith('another device is bound to; not rebound'))).toMatchObject({ role: 'receiptPrinter', path: '/dev/ttyUSB1', boundTo: 'kitchenPrinter:hot' });
    expect(m.rebinder.currentPath('receiptPrinter')).toBe('/dev/ttyUSB0');
    expect(m.created).toHaveLength(2);
  });

  it('a failing listing at identification leaves the device bound to its path, logged', async () => {
    const timer = new FakeClock();
    const { logger, messages } = captureLogger();
    const list = async (): Promise<Discovery> => {
      throw new TransportError('io', 'udev is gone');
    };
    const rebinder = new DeviceRebinder({ watcher: new DeviceWatcher({ list, timer }), list, logger });
    stops.push(() => rebinder.stop());
    const link = createMemoryLink();
    const uri = parseDeviceUri('serial:/dev/ttyUSB0');
    if (!isPathDeviceUri(uri)) throw new Error('unreachable');
    rebinder.add({ role: 'scanner', configuredUri: uri, transport: new RebindableTransport(link.host), createTransport: () => link.host, reconnectNow: () => undefined });
    await expect(rebinder.identify('scanner')).resolves.toBeUndefined();
    expect(messages()).toEqual(['attached devices could not be listed; the device stays bound to its configured path only']);
  });
});
