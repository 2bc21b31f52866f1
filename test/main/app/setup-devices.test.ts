import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupDevices, type DevicesSetup } from '../../../main/app/setup-devices.js';
import { startTerminalCore, type RunningTerminal } from '../../../main/app/start-terminal.js';
import type { CommandResult, PaymentView, TerminalEvent, TerminalStatus } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { demoUsers } from '../../../main/config/demo-data.js';
import { SqlitePrintJobStore } from '../../../sync/store/print-job-store.js';
import { SandboxWalletClient } from '../../../backend/acquirers/sandbox/sandbox-wallet-client.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';

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
    await new SandboxWalletClient(terminal.sandboxUrl!).payQr({ qrContent: sale.payment.qrContent!, behaviour: 'pay' });
    const [name] = await eventually('the QR receipt', () => pages(dataDir).length > 0 && pages(dataDir));
    const text = page(dataDir, name!);
    expect(text).toContain(sale.receiptNumber);
    expect(text).toContain(sale.payment.paymentIntentId);
    expect(text).toContain('￥9.00');
    expect(text).not.toContain('找零');
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

function png(dataDir: string, textName: string): boolean {
  return existsSync(join(dataDir, 'simulated-printer', textName.replace(/\.txt$/, '.png')));
}

describe('setupDevices recovery (a core without payments; the sale is announced as payment.changed)', () => {
  it('prints the queued receipt by itself once the paper is loaded, and shows the printer working again', async () => {
    const base = createCoreFixture();
    const fixture = createCoreFixture({ config: { ...base.config, devices: { kitchenPrinters: {}, receiptPrinter: 'sim:printer?fault=paper-out' } } });
    base.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'recovery-'));
    const devices = setupDevices({ config: fixture.config, dataDir, journal: fixture.journal, journalFile: fixture.journalFile, core: fixture.core, logger: createSilentLogger(), initialRetryDelayMs: 20 });
    cleanups.push(() => fixture.close(), () => devices.stop());
    await devices.ready;
    const printerState = () => fixture.core.status().devices.find((device) => device.role === 'receiptPrinter');
    expect(printerState()).toMatchObject({ state: 'offline', reason: expect.stringMatching(/^paper-out/) });
    const { sessionId } = await call<{ sessionId: string }>(fixture, 'auth.login', { userId: 'cashier', pin: '1111' });
    const sale = await call<{ orderId: string; receiptNumber: string; paymentIntentId: string }>(fixture, 'sale.payCash', { sessionId, lines: [{ productId: 'cola', quantity: 1 }], tenderedMinor: 450 });
    const announce = () =>
      fixture.core.publish({
        name: 'payment.changed',
        payload: { paymentIntentId: sale.paymentIntentId, orderId: sale.orderId, method: 'cash', amountMinor: 450, state: 'paid', isFinal: true, qrContent: null, expiresAtMs: null, reason: null, provider: null, refundableMinor: 450, refunds: [], updatedAtMs: 0 },
      });
    announce();
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
    const devices: DevicesSetup = setupDevices({ config: fixture.config, dataDir: mkdtempSync(join(tmpdir(), 'scanner-')), journal: fixture.journal, journalFile: fixture.journalFile, core: fixture.core, logger: createSilentLogger() });
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
