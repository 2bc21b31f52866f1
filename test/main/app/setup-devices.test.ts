import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupDevices, type DevicesSetup } from '../../../main/app/setup-devices.js';
import { startTerminalCore, type RunningTerminal } from '../../../main/app/start-terminal.js';
import type { CommandResult, PaymentView, TerminalEvent, TerminalStatus } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import type { DiscoveredDevice } from '../../../hardware/discovery/discover-devices.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { EscPosDecoder, type EscPosCommand } from '../../../hardware/protocols/escpos/escpos-decoder.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { createPtyPair } from '../../../hardware/simulators/pty-pair.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';
import { demoUsers } from '../../../main/config/demo-data.js';
import { SqlitePrintJobStore } from '../../../sync/store/print-job-store.js';
import { sandboxWalletFor } from '../../support/sandbox-wallet.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { captureLogger } from '../devices/capture-logger.js';

const running: RunningTerminal[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const terminal of running.splice(0)) await terminal.stop();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDirWith(devices: Record<string, unknown>): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'devices-'));
  // A remote backend that is never there: cash only, no embedded sandbox.
  writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify({ backend: { url: 'http://127.0.0.1:9' }, devices, users: demoUsers }));
  return dataDir;
}

async function start(dataDir: string): Promise<RunningTerminal> {
  const terminal = await startTerminalCore({ dataDir });
  running.push(terminal);
  return terminal;
}

async function stop(terminal: RunningTerminal): Promise<void> {
  running.splice(running.indexOf(terminal), 1);
  await terminal.stop();
}

async function call<T>(terminal: RunningTerminal | CoreFixture, name: string, input: unknown): Promise<T> {
  const result: CommandResult<unknown> = await dispatchCommand(terminal.core.handlers, name, input, { transport: 'test' }, createSilentLogger());
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

async function sellCash(terminal: RunningTerminal, lines: unknown[], tenderedMinor: number) {
  const { sessionId } = await call<{ sessionId: string }>(terminal, 'auth.login', { userId: 'cashier', pin: '1111' });
  const sale = await call<{ orderId: string; receiptNumber: string; totalMinor: number }>(terminal, 'sale.payCash', { sessionId, lines, tenderedMinor });
  return { ...sale, sessionId };
}

/** Polls CONDITION every 50 ms, failing after 600 tries (30 s: generous, never a timing assertion). */
async function eventually<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

const pages = (dataDir: string, prefix = 'receipt') => {
  const folder = join(dataDir, 'simulated-printer');
  return existsSync(folder) ? readdirSync(folder).filter((name) => name.startsWith(`${prefix}-`) && name.endsWith('.txt')).sort() : [];
};
const page = (dataDir: string, name: string) => readFileSync(join(dataDir, 'simulated-printer', name), 'utf8');

describe('setupDevices with sim:printer (whole terminal on a temp data dir)', () => {
  it('prints one receipt per cash sale, with number, items, modifiers, total, tender and change; a restart does not print it again', async () => {
    const dataDir = dataDirWith({ receiptPrinter: 'sim:printer', kitchenPrinters: { hot: 'sim:printer' } });
    const first = await start(dataDir);
    const sale = await sellCash(first, [{ productId: 'cola', quantity: 2 }, { productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['hot', 'egg'] }], 5000);
    expect(sale.totalMinor).toBe(3900);
    const [name] = await eventually('the receipt page', () => pages(dataDir).length > 0 && pages(dataDir));
    expect(pages(dataDir)).toHaveLength(1);
    const text = page(dataDir, name!);
    expect(text).toContain(sale.receiptNumber);
    expect(text).toContain('可乐 ×2');
    expect(text).toContain('红烧牛肉面 ×1');
    expect(text).toContain('  + 特辣');
    expect(text).toMatch(/ {2}\+ 加蛋\s+\+￥2\.00/);
    expect(text).toContain('￥9.00');
    expect(text).toContain('合计');
    expect(text).toContain('￥39.00');
    expect(text).toMatch(/实收 \(现金\)\s+￥50\.00/);
    expect(text).toMatch(/找零\s+￥11\.00/);
    expect(text).toContain('示例餐厅');
    expect(png(dataDir, name!)).toBe(true);
    // The kitchen ticket of station "hot" has the noodles and not the cola.
    const [ticket] = await eventually('the kitchen ticket', () => pages(dataDir, 'kitchen-hot').length > 0 && pages(dataDir, 'kitchen-hot'));
    const ticketText = page(dataDir, ticket!);
    expect(ticketText).toContain('红烧牛肉面');
    expect(ticketText).toContain('+ 加蛋');
    expect(ticketText).not.toContain('可乐');
    expect(ticketText).toContain(sale.receiptNumber);

    await stop(first);
    const second = await start(dataDir);
    const next = await sellCash(second, [{ productId: 'water', quantity: 1 }], 200);
    // The queue prints in order: once the next sale's receipt is out, an old one would have been too.
    await eventually('the second receipt', () => pages(dataDir).length >= 2);
    const all = pages(dataDir);
    expect(all).toHaveLength(2);
    expect(page(dataDir, all[1]!)).toContain(next.receiptNumber);
    expect(all.filter((file) => page(dataDir, file).includes(sale.receiptNumber))).toHaveLength(1);
  }, 60_000);

  it('prints the receipt of a QR sale once the sandbox wallet paid it, with the payment reference', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devices-qr-'));
    writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify({ backend: { url: 'sandbox', sandboxPort: 0 }, devices: { receiptPrinter: 'sim:printer' } }));
    const terminal = await start(dataDir);
    const { sessionId } = await call<{ sessionId: string }>(terminal, 'auth.login', { userId: 'cashier', pin: '1111' });
    const sale = await call<{ receiptNumber: string; payment: PaymentView }>(terminal, 'sale.startPayment', { sessionId, lines: [{ productId: 'cola', quantity: 2 }], method: 'qr' });
    expect(pages(dataDir)).toHaveLength(0);
    await sandboxWalletFor(terminal.sandboxUrl!, dataDir).payQr({ qrContent: sale.payment.qrContent!, behaviour: 'pay' });
    const [name] = await eventually('the QR receipt', () => pages(dataDir).length > 0 && pages(dataDir));
    const text = page(dataDir, name!);
    expect(text).toContain(sale.receiptNumber);
    expect(text).toContain(sale.payment.paymentIntentId);
    expect(text).toContain('￥9.00');
    expect(text).not.toContain('找零');
    // The cash drawer is on by default, yet a QR sale does not open it.
    const job = storedJob(dataDir, `receiptPrinter/receipt/${sale.payment.orderId}`);
    expect(job.description).toBe(`receipt ${sale.receiptNumber}`);
    expect(decodeJob(job.bytes).filter((command) => command.kind === 'drawer-kick')).toEqual([]);
  }, 60_000);

  it('reprints a receipt marked 重印 / REPRINT, and refuses an unknown order', async () => {
    const dataDir = dataDirWith({ receiptPrinter: 'sim:printer' });
    const terminal = await start(dataDir);
    const sale = await sellCash(terminal, [{ productId: 'cola', quantity: 1 }], 450);
    await eventually('the receipt', () => pages(dataDir).length === 1);
    const reprint = await call<{ state: string; receiptNumber: string }>(terminal, 'printer.reprint', { orderId: sale.orderId, sessionId: sale.sessionId });
    expect(reprint).toMatchObject({ state: 'printed', receiptNumber: sale.receiptNumber });
    const all = pages(dataDir);
    expect(all).toHaveLength(2);
    expect(page(dataDir, all[0]!)).not.toContain('REPRINT');
    const again = page(dataDir, all[1]!);
    expect(again).toContain('重印 / REPRINT');
    expect(again).toContain(sale.receiptNumber);
    expect(again).toContain('￥4.50');
    const unknown = await dispatchCommand(terminal.core.handlers, 'printer.reprint', { orderId: 'no-such-order', sessionId: sale.sessionId }, { transport: 'test' }, createSilentLogger());
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const anonymous = await dispatchCommand(terminal.core.handlers, 'printer.reprint', { orderId: sale.orderId, sessionId: 'nobody' }, { transport: 'test' }, createSilentLogger());
    expect(anonymous).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  }, 60_000);

  it('with ?fault=paper-out keeps the job queued, shows the printer offline with the reason, and keeps selling', async () => {
    const dataDir = dataDirWith({ receiptPrinter: 'sim:printer?fault=paper-out' });
    const terminal = await start(dataDir);
    const sale = await sellCash(terminal, [{ productId: 'cola', quantity: 1 }], 500);
    const printer = await eventually('the printer reported offline', async () => {
      const status = await call<TerminalStatus>(terminal, 'system.status', {});
      const device = status.devices.find((candidate) => candidate.role === 'receiptPrinter');
      return device?.state === 'offline' && device;
    });
    expect(printer.reason).toMatch(/^paper-out/);
    const store = SqlitePrintJobStore.open(join(dataDir, 'journal.sqlite'));
    try {
      await eventually('the job stored', () => store.pending().length === 1);
      expect(store.pending()[0]).toMatchObject({ id: `receiptPrinter/receipt/${sale.orderId}`, state: 'pending' });
    } finally {
      store.close();
    }
    const later = await sellCash(terminal, [{ productId: 'water', quantity: 1 }], 200);
    expect(later.receiptNumber).not.toBe(sale.receiptNumber);
    const reprint = await call<{ state: string; reason: string | null }>(terminal, 'printer.reprint', { orderId: sale.orderId, sessionId: sale.sessionId });
    expect(reprint.state).toBe('queued');
    expect(reprint.reason).toMatch(/^paper-out/);
    expect(pages(dataDir)).toHaveLength(0);
  }, 60_000);
});

/** A stored print job, read through a second connection to the journal file. */
function storedJob(dataDir: string, id: string) {
  const store = SqlitePrintJobStore.open(join(dataDir, 'journal.sqlite'));
  try {
    const job = store.get(id);
    if (!job) throw new Error(`no print job ${id}`);
    return job;
  } finally {
    store.close();
  }
}

function decodeJob(bytes: Uint8Array): EscPosCommand[] {
  const decoder = new EscPosDecoder({ chineseEncoding: 'gb18030' });
  return [...decoder.push(bytes), ...decoder.end()];
}

/** How often NEEDLE occurs in HAYSTACK. */
function occurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) count += 1;
  return count;
}

/** A printer simulator on the device end of a socat PTY pair, keeping every byte it received. */
async function ptyPrinter(paths: { hostPath?: string; devicePath?: string } = {}) {
  const pair = await createPtyPair({ ...paths, timeoutMs: 15_000 });
  cleanups.push(() => pair.close());
  const device = new SerialTransport({ path: pair.devicePath, baudRate: 115200 });
  const simulator = new PrinterSimulator({ profile: printerProfiles['generic-80mm'] });
  const chunks: Buffer[] = [];
  device.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
  await simulator.attach(device);
  cleanups.push(() => device.close());
  return { pair, simulator, received: () => Buffer.concat(chunks), unplug: async () => (await device.close(), await pair.close()) };
}

/** Partial cut (`GS V B 0`, generic-80mm) then the drawer pulse on pin 2: `ESC p 0`, 50 × 2 ms on, 100 × 2 ms off. */
const cutThenDrawerPulse = Buffer.from([0x1d, 0x56, 0x42, 0x00, 0x1b, 0x70, 0x00, 0x32, 0x64]);
const drawerCommand = Buffer.from([0x1b, 0x70]);

describe('cash drawer on a receipt printer over a socat PTY (whole terminal, cash sales through the core)', () => {
  async function cashSaleOn(devices: Record<string, unknown>) {
    const printer = await ptyPrinter();
    const dataDir = dataDirWith({ receiptPrinter: `serial:${printer.pair.hostPath}?baud=115200`, ...devices });
    const terminal = await start(dataDir);
    const sale = await sellCash(terminal, [{ productId: 'cola', quantity: 1 }], 500);
    const jobId = `receiptPrinter/receipt/${sale.orderId}`;
    await eventually('the receipt printed with proof', () => storedJob(dataDir, jobId).state === 'printed');
    expect(printer.simulator.receipts).toHaveLength(1);
    expect(printer.simulator.receipts[0]!.lines.join('\n')).toContain(sale.receiptNumber);
    return { printer, sale, job: storedJob(dataDir, jobId), terminal };
  }

  it('opens the drawer by default: the printer receives the pulse right after the cut, once, and the stored job says so', async () => {
    const { printer, sale, job, terminal } = await cashSaleOn({});
    expect(occurrences(printer.received(), cutThenDrawerPulse)).toBe(1);
    expect(occurrences(printer.received(), drawerCommand)).toBe(1);
    expect(job.description).toBe(`receipt ${sale.receiptNumber} + cash drawer`);
    expect(decodeJob(job.bytes).filter((command) => command.kind === 'drawer-kick')).toEqual([{ kind: 'drawer-kick', pin: 2, onUnits: 50, offUnits: 100 }]);
    // A reprint prints the receipt again but never opens the drawer.
    await call(terminal, 'printer.reprint', { orderId: sale.orderId, sessionId: sale.sessionId });
    expect(printer.simulator.receipts).toHaveLength(2);
    expect(occurrences(printer.received(), drawerCommand)).toBe(1);
  }, 60_000);

  it('with devices.cashDrawer: false prints the receipt and sends no drawer pulse', async () => {
    const { printer, sale, job } = await cashSaleOn({ cashDrawer: false });
    expect(printer.received().length).toBeGreaterThan(0);
    expect(occurrences(printer.received(), drawerCommand)).toBe(0);
    expect(job.description).toBe(`receipt ${sale.receiptNumber}`);
  }, 60_000);
});

describe('setupDevices rebinding a serial receipt printer (socat PTYs, fake device listing)', () => {
  it('reopens the printer when it comes back under another path, logs the move, and prints the next receipt there', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rebind-'));
    const firstPath = join(folder, 'ttyUSB0');
    const secondPath = join(folder, 'ttyUSB1');
    const listed = (path: string): DiscoveredDevice => ({ kind: 'serial', uri: `serial:${path}`, path, vendorId: 0x0416, productId: 0x5011, serialNumber: 'PRN-1' });
    const first = await ptyPrinter({ hostPath: firstPath, devicePath: join(folder, 'printer-a') });
    let attached: DiscoveredDevice[] = [listed(firstPath)];

    const base = createCoreFixture();
    const fixture = createCoreFixture({ config: { ...base.config, devices: { kitchenPrinters: {}, receiptPrinter: `serial:${firstPath}?baud=115200` } } });
    base.close();
    const { logger, entries } = captureLogger();
    const devices = setupDevices({
      config: fixture.config,
      dataDir: mkdtempSync(join(tmpdir(), 'rebind-data-')),
      journal: fixture.journal,
      journalFile: fixture.journalFile,
      events: fixture.events,
      logger,
      initialRetryDelayMs: 20,
      deviceWatch: { list: async () => ({ devices: attached, warnings: [] }), pollMs: 50, initialDelayMs: 20, maxDelayMs: 100 },
    });
    cleanups.push(() => fixture.close(), () => devices.stop());
    await devices.ready;
    await eventually('the printer identified by its USB ids', () => entries.find((entry) => entry.msg.startsWith('device identified')));
    const printerState = () => fixture.core.status().devices.find((device) => device.role === 'receiptPrinter');

    const { sessionId } = await call<{ sessionId: string }>(fixture, 'auth.login', { userId: 'cashier', pin: '1111' });
    // The payment service announces the settled cash payment itself; receipt printing listens.
    const sell = () => call<{ orderId: string; receiptNumber: string; paymentIntentId: string }>(fixture, 'sale.payCash', { sessionId, lines: [{ productId: 'water', quantity: 1 }], tenderedMinor: 200 });
    const firstSale = await sell();
    await eventually('the first receipt on the first path', () => first.simulator.receipts.length === 1);
    expect(first.simulator.receipts[0]!.lines.join('\n')).toContain(firstSale.receiptNumber);

    await first.unplug();
    attached = [];
    await eventually('the printer missed', () => entries.some((entry) => entry.msg === 'device not attached; looking for it by its USB identity'));

    const second = await ptyPrinter({ hostPath: secondPath, devicePath: join(folder, 'printer-b') });
    attached = [listed(secondPath)];
    const rebound = await eventually('the rebinding logged', () => entries.find((entry) => entry.msg === 'device rebound to a new path'));
    expect(rebound).toMatchObject({ role: 'receiptPrinter', from: firstPath, to: secondPath });
    await eventually('the printer shown online again', () => printerState()?.state === 'online');

    const secondSale = await sell();
    await eventually('the next receipt on the new path', () => second.simulator.receipts.length === 1);
    expect(second.simulator.receipts[0]!.lines.join('\n')).toContain(secondSale.receiptNumber);
    expect(first.simulator.receipts).toHaveLength(1);
  }, 60_000);
});

function png(dataDir: string, textName: string): boolean {
  return existsSync(join(dataDir, 'simulated-printer', textName.replace(/\.txt$/, '.png')));
}

describe('setupDevices recovery (the sale is announced as payment.changed, and announced again)', () => {
  it('prints the queued receipt by itself once the paper is loaded, and shows the printer working again', async () => {
    const base = createCoreFixture();
    const fixture = createCoreFixture({ config: { ...base.config, devices: { kitchenPrinters: {}, receiptPrinter: 'sim:printer?fault=paper-out' } } });
    base.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'recovery-'));
    const devices = setupDevices({ config: fixture.config, dataDir, journal: fixture.journal, journalFile: fixture.journalFile, events: fixture.events, logger: createSilentLogger(), initialRetryDelayMs: 20 });
    cleanups.push(() => fixture.close(), () => devices.stop());
    await devices.ready;
    const printerState = () => fixture.core.status().devices.find((device) => device.role === 'receiptPrinter');
    expect(printerState()).toMatchObject({ state: 'offline', reason: expect.stringMatching(/^paper-out/) });
    const { sessionId } = await call<{ sessionId: string }>(fixture, 'auth.login', { userId: 'cashier', pin: '1111' });
    const sale = await call<{ orderId: string; receiptNumber: string; paymentIntentId: string }>(fixture, 'sale.payCash', { sessionId, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 });
    const announce = () =>
      fixture.events.publish({
        name: 'payment.changed',
        payload: { paymentIntentId: sale.paymentIntentId, orderId: sale.orderId, method: 'cash', amountMinor: 450, state: 'paid', isFinal: true, qrContent: null, expiresAtMs: null, reason: null, provider: null, refundableMinor: 450, refundStatus: 'none', refunds: [], updatedAtMs: 0 },
      });
    announce(); // a repeated event queues nothing more
    devices.simulatedPrinters.get('receiptPrinter')!.setFault('none');
    await eventually('the queued receipt printed', () => pages(dataDir).length > 0);
    await eventually('the printer shown working', () => printerState()?.state === 'simulated');
    announce();
    await devices.stop();
    expect(pages(dataDir)).toHaveLength(1);
    expect(page(dataDir, pages(dataDir)[0]!)).toContain(sale.receiptNumber);
  }, 60_000);
});

describe('setupDevices with sim:scanner', () => {
  it('announces classified scans as scan.received and shows the scanner as simulated', async () => {
    const base = createCoreFixture();
    const fixture = createCoreFixture({ config: { ...base.config, devices: { kitchenPrinters: {}, scanner: 'sim:scanner' } } });
    base.close();
    const events: TerminalEvent[] = [];
    fixture.core.subscribe((event) => events.push(event));
    const devices: DevicesSetup = setupDevices({ config: fixture.config, dataDir: mkdtempSync(join(tmpdir(), 'scanner-')), journal: fixture.journal, journalFile: fixture.journalFile, events: fixture.events, logger: createSilentLogger() });
    cleanups.push(() => fixture.close(), () => devices.stop());
    await devices.ready;
    expect(fixture.core.status().devices).toEqual([{ role: 'scanner', uri: 'sim:scanner', state: 'simulated', reason: null }]);
    await devices.simulatedScanner!.scan('6900000000014');
    await devices.simulatedScanner!.scan('not a code');
    await devices.simulatedScanner!.scan('281234567890123456');
    const scans = await eventually('two scans', () => {
      const received = events.flatMap((event) => (event.name === 'scan.received' ? [event.payload] : []));
      return received.length >= 2 && received;
    });
    expect(scans).toEqual([
      { kind: 'product', value: '6900000000014', detail: 'ean-13', atMs: expect.any(Number) },
      { kind: 'payment-code', value: '281234567890123456', detail: 'alipay', atMs: expect.any(Number) },
    ]);
    // Only announced: nothing was sold or paid.
    expect(fixture.journal.countOrders()).toBe(0);
  }, 60_000);
});
