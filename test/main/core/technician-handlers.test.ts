import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemTimers } from '../../../kernel/system-timers.js';
import type { CommandResult, TechnicianSlotView, TechnicianSyncHealth } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import type { TechnicianServices, TestPrinter } from '../../../main/core/technician-handlers.js';
import { TerminalEvents } from '../../../main/core/terminal-events.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { PaymentService } from '../../../main/payments/payment-service.js';
import type { Journal } from '../../../sync/store/journal.js';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture.js';
import { FakeClock } from '../../support/fake-clock.js';
import { advanceUntil, createKioskRig } from '../../support/kiosk-rig.js';

const logger = createSilentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Call = (name: string, input: unknown) => Promise<CommandResult<unknown>>;

function value<T>(result: CommandResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function failure(result: CommandResult<unknown>) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}

/** The audit entries in the outbox, payloads parsed. */
function audits(journal: Journal): Record<string, unknown>[] {
  return journal
    .pendingOutbox(10_000)
    .filter((entry) => entry.kind === 'audit.recorded')
    .map((entry) => entry.payload as Record<string, unknown>);
}

function fixtureWith(technician: Partial<TechnicianServices> = {}): { fixture: CoreFixture; call: Call; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'technician-'));
  const services: TechnicianServices = {
    configFile: join(dataDir, 'config.yaml'),
    logsDirectory: join(dataDir, 'logs'),
    testPrint: undefined,
    discover: async () => ({ devices: [], warnings: [] }),
    ...technician,
  };
  const fixture = createCoreFixture({
    mode: 'technician',
    journalFile: join(dataDir, 'journal.sqlite'),
    services: ({ journal, sessions, events, paymentListeners }) => ({
      payments: new PaymentService({ journal, sessions, backend: undefined, clock: new FakeClock(), timers: systemTimers, logger, connectivity: () => events.connectivity(), ...paymentListeners }),
      technician: services,
    }),
  });
  cleanups.push(() => fixture.close());
  const call: Call = (name, input) => dispatchCommand(fixture.core.handlers, name, input, { transport: 'test' }, logger);
  return { fixture, call, dataDir };
}

async function logIn(call: Call, userId = 'technician', pin = '3333'): Promise<string> {
  return value<{ sessionId: string }>(await call('auth.login', { userId, pin })).sessionId;
}

/** Journals one entry and dead-letters it, as a permanent rejection by the backend would. */
function makeDeadLetter(journal: Journal, reason = 'unknown product p-gone'): string {
  journal.recordAudit('test', { event: 'test.entry' });
  const entry = journal.pendingOutbox(10_000).at(-1);
  if (!entry) throw new Error('no outbox entry');
  expect(journal.deadLetterOutbox(entry.entryId, reason)).toBe(true);
  return entry.entryId;
}

describe('technician console: sessions', () => {
  it('refuses without a session and refuses a cashier, naming the reason', async () => {
    const { call } = fixtureWith();
    expect(failure(await call('technician.syncHealth', { sessionId: 'nope' })).code).toBe('unauthenticated');
    const cashier = await logIn(call, 'cashier', '1111');
    expect(failure(await call('technician.syncHealth', { sessionId: cashier })).code).toBe('forbidden');
    expect(failure(await call('technician.exportLogs', { sessionId: cashier })).code).toBe('forbidden');
  });
});

describe('technician console: dead letters', () => {
  it('lists a dead letter with its reason; Retry puts it back in the queue and journals who did it', async () => {
    const { fixture, call } = fixtureWith();
    const session = await logIn(call);
    const entryId = makeDeadLetter(fixture.journal);
    const health = value<TechnicianSyncHealth>(await call('technician.syncHealth', { sessionId: session }));
    expect(health.deadLetters).toEqual([expect.objectContaining({ entryId, kind: 'audit.recorded', reason: 'unknown product p-gone' })]);
    const depthBefore = health.queueDepth;

    const after = value<TechnicianSyncHealth>(await call('technician.retryDeadLetter', { sessionId: session, entryId }));
    expect(after.deadLetters).toEqual([]);
    // The entry itself and the audit entry are both waiting to be uploaded.
    expect(after.queueDepth).toBe(depthBefore + 2);
    expect(fixture.journal.pendingOutbox(10_000).find((entry) => entry.entryId === entryId)).toMatchObject({ attempts: 0 });
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.retry-dead-letter', userId: 'technician', entryId, rejectedReason: 'unknown product p-gone' }));
    expect(failure(await call('technician.retryDeadLetter', { sessionId: session, entryId })).code).toBe('not-found');
  });

  it('Discard needs a reason, and journals it with who discarded; the payload stays in the journal', async () => {
    const { fixture, call } = fixtureWith();
    const session = await logIn(call);
    const entryId = makeDeadLetter(fixture.journal);
    const noReason = failure(await call('technician.discardDeadLetter', { sessionId: session, entryId, reason: ' ' }));
    expect(noReason.code).toBe('invalid-argument');
    expect(noReason.details?.fields?.[0]?.path).toBe('reason');
    expect(fixture.journal.deadLetters()).toHaveLength(1);

    const after = value<TechnicianSyncHealth>(await call('technician.discardDeadLetter', { sessionId: session, entryId, reason: 'product removed from the menu' }));
    expect(after.deadLetters).toEqual([]);
    expect(fixture.journal.pendingOutbox(10_000).some((entry) => entry.entryId === entryId)).toBe(false);
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.discard-dead-letter', userId: 'technician', entryId, reason: 'product removed from the menu' }));
    expect(failure(await call('technician.discardDeadLetter', { sessionId: session, entryId: 'no-such-entry', reason: 'typo' })).code).toBe('not-found');
  });

  it('Sync now without a backend answers unavailable', async () => {
    const { call } = fixtureWith();
    const session = await logIn(call);
    expect(failure(await call('technician.syncNow', { sessionId: session })).code).toBe('unavailable');
  });
});

describe('technician console: devices', () => {
  it('Test print reports the printer outcome and journals it; an unknown printer role is not-found', async () => {
    const printed: string[] = [];
    const testPrint: TestPrinter = async (role) => {
      if (role !== 'receiptPrinter') return undefined;
      printed.push(role);
      return { state: 'queued', reason: 'paper-out: load paper' };
    };
    const { fixture, call } = fixtureWith({ testPrint });
    const session = await logIn(call);
    expect(value(await call('technician.testPrint', { sessionId: session, role: 'receiptPrinter' }))).toEqual({ role: 'receiptPrinter', state: 'queued', reason: 'paper-out: load paper' });
    expect(printed).toEqual(['receiptPrinter']);
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.test-print', userId: 'technician', role: 'receiptPrinter', state: 'queued' }));
    expect(failure(await call('technician.testPrint', { sessionId: session, role: 'kitchenPrinter:bar' })).code).toBe('not-found');
    expect(failure(await call('technician.testPrint', { sessionId: session, role: 'toaster' })).code).toBe('invalid-argument');
  });

  it('Discovery lists found devices with bound-or-not, and the simulators marked as simulated', async () => {
    const { call } = fixtureWith({
      discover: async () => ({
        devices: [{ kind: 'serial', uri: 'serial:/dev/ttyUSB0', path: '/dev/ttyUSB0', vendorId: 0x1a86, productId: 0x7523, serialNumber: 'A1', knownAs: 'WCH CH340 USB-serial', suggestedRole: 'serial-adapter' }],
        warnings: ['no HID access'],
      }),
    });
    const session = await logIn(call);
    const found = value<{ devices: { uri: string; kind: string; boundAs: string | null; vendorId: number | null }[]; warnings: string[] }>(await call('technician.discoverDevices', { sessionId: session }));
    expect(found.devices[0]).toMatchObject({ uri: 'serial:/dev/ttyUSB0', kind: 'serial', vendorId: 0x1a86, boundAs: null });
    // Default devices are the simulators: sim:printer is bound as the receipt printer.
    expect(found.devices.find((device) => device.uri === 'sim:printer')).toMatchObject({ kind: 'simulated', boundAs: 'receiptPrinter' });
    expect(found.warnings).toEqual(['no HID access']);
  });

  it('Bind writes the role into the config file with a backup, keeps comments, and says it applies at the next start', async () => {
    const { fixture, call, dataDir } = fixtureWith();
    const configFile = join(dataDir, 'config.yaml');
    const original = '# counter by the door\nterminal:\n  name: Door counter\ndevices:\n  receiptPrinter: sim:printer\n  scanner: sim:scanner\n';
    writeFileSync(configFile, original);
    const session = await logIn(call);
    const bound = value<{ configFile: string; backupFile: string | null; appliesAt: string }>(await call('technician.bindDevice', { sessionId: session, role: 'receiptPrinter', uri: 'serial:/dev/ttyUSB0?baud=115200' }));
    expect(bound).toMatchObject({ configFile, appliesAt: 'next-start' });
    const written = readFileSync(configFile, 'utf8');
    expect(written).toContain('# counter by the door');
    expect(written).toContain('receiptPrinter: serial:/dev/ttyUSB0?baud=115200');
    expect(written).toContain('scanner: sim:scanner');
    expect(readFileSync(bound.backupFile ?? '', 'utf8')).toBe(original);
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.bind-device', userId: 'technician', role: 'receiptPrinter' }));
  });

  it('Bind refuses a result that does not validate, naming the key, and leaves the file as it was', async () => {
    const { call, dataDir } = fixtureWith();
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(configFile, 'devices:\n  receiptPrinter: sim:printer\n');
    const session = await logIn(call);
    const refused = failure(await call('technician.bindDevice', { sessionId: session, role: 'receiptPrinter', uri: 'bogus:thing' }));
    expect(refused.code).toBe('invalid-argument');
    expect(refused.details?.params?.key).toBe('devices.receiptPrinter');
    expect(readFileSync(configFile, 'utf8')).toBe('devices:\n  receiptPrinter: sim:printer\n');
    expect(readdirSync(dataDir).filter((name) => name.endsWith('.bak'))).toEqual([]);
  });

  it('Bind on the embedded defaults creates <data-dir>/config.yaml keeping the other default devices', async () => {
    const { call, dataDir } = fixtureWith();
    const session = await logIn(call);
    const bound = value<{ backupFile: string | null }>(await call('technician.bindDevice', { sessionId: session, role: 'scanner', uri: 'hid:0x0c2e:0x0b61' }));
    expect(bound.backupFile).toBeNull();
    const written = readFileSync(join(dataDir, 'config.yaml'), 'utf8');
    expect(written).toContain('scanner: hid:0x0c2e:0x0b61');
    expect(written).toContain('receiptPrinter: sim:printer');
  });
});

describe('technician console: export logs', () => {
  it('one tar.gz with the logs, the configuration without secrets and the journal integrity report', async () => {
    const { fixture, call, dataDir } = fixtureWith();
    mkdirSync(join(dataDir, 'logs'));
    writeFileSync(join(dataDir, 'logs', 'terminal.log'), '{"msg":"terminal starting"}\n');
    fixture.journal.recordAudit('test', { event: 'test.entry' });
    const session = await logIn(call);
    const exported = value<{ fileName: string; contentBase64: string; entries: string[] }>(await call('technician.exportLogs', { sessionId: session }));
    expect(exported.fileName).toMatch(/^terminal-T-001-\d{8}T\d{6}\.tar\.gz$/);
    const archive = join(dataDir, exported.fileName);
    writeFileSync(archive, Buffer.from(exported.contentBase64, 'base64'));
    const out = join(dataDir, 'unpacked');
    mkdirSync(out);
    const untar = spawnSync('tar', ['xzf', archive, '-C', out], { encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    expect(readFileSync(join(out, 'logs', 'terminal.log'), 'utf8')).toContain('terminal starting');
    const config = readFileSync(join(out, 'config-redacted.json'), 'utf8');
    expect(config).toContain('"pinHash": "[redacted]"');
    expect(config).not.toContain('scrypt$');
    const report = JSON.parse(readFileSync(join(out, 'journal-report.json'), 'utf8')) as { integrityCheck: string[]; outbox: { depth: number } };
    expect(report.integrityCheck).toEqual(['ok']);
    expect(report.outbox.depth).toBe(1);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.export-logs', userId: 'technician', fileName: exported.fileName }));
  });
});

describe('technician console: vending slots', () => {
  async function kiosk() {
    const clock = new FakeClock();
    const hub = new TerminalEvents(logger, 'online');
    const rig = await createKioskRig({ clock, onVendChanged: (status) => hub.publish({ name: 'vend.changed', payload: status }) });
    cleanups.push(() => rig.close());
    const fixture = createCoreFixture({ mode: 'kiosk', journalFile: rig.journalFile, clock, events: hub, services: () => ({ payments: rig.payments, vending: rig.vending }) });
    cleanups.push(() => fixture.close());
    let started = false;
    void rig.vending.start().then(() => (started = true));
    await advanceUntil(clock, () => started);
    const call: Call = (name, input) => dispatchCommand(fixture.core.handlers, name, input, { transport: 'test' }, logger);
    return { rig, fixture, call, session: await logIn(call) };
  }

  it('Refill sets the count and fill-all fills to capacity, journaled with who did it before the kiosk sells from it', async () => {
    const { rig, fixture, call, session } = await kiosk();
    const before = value<{ slots: TechnicianSlotView[] }>(await call('technician.slots', { sessionId: session })).slots;
    const slot1 = before.find((slot) => slot.slot === 1);
    expect(slot1).toMatchObject({ stock: 8, sellable: true, notSellingBecause: null });

    const after = value<{ slots: TechnicianSlotView[] }>(await call('technician.refillSlots', { sessionId: session, refills: [{ slot: 1, quantity: 3 }, { slot: 2, quantity: 'full' }] })).slots;
    expect(after.find((slot) => slot.slot === 1)?.stock).toBe(3);
    const slot2 = after.find((slot) => slot.slot === 2);
    expect(slot2?.stock).toBe(slot2?.capacity);
    // Durable in the journal (what the kiosk catalog reads), with outbox rows naming the technician.
    expect(rig.journal.slotStock().get(1)).toBe(3);
    const stockRows = fixture.journal.pendingOutbox(10_000).filter((entry) => entry.kind === 'slot-stock.changed').map((entry) => entry.payload);
    expect(stockRows).toContainEqual(expect.objectContaining({ slot: 1, quantity: 3, deltaQuantity: -5, detail: { reason: 'refill', userId: 'technician' } }));
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.refill', userId: 'technician' }));
    const catalog = value<{ slots: { slot: number; stock: number }[] }>(await call('catalog.get', {}));
    expect(catalog.slots.find((slot) => slot.slot === 1)?.stock).toBe(3);
  });

  it('Refill refuses more than the capacity and an unknown slot, writing nothing', async () => {
    const { rig, call, session } = await kiosk();
    const stockBefore = rig.journal.slotStock();
    const over = failure(await call('technician.refillSlots', { sessionId: session, refills: [{ slot: 1, quantity: 2 }, { slot: 2, quantity: 999 }] }));
    expect(over.code).toBe('invalid-argument');
    expect(over.message).toMatch(/slot 2 holds at most/);
    expect(failure(await call('technician.refillSlots', { sessionId: session, refills: [{ slot: 77, quantity: 1 }] })).code).toBe('not-found');
    expect(rig.journal.slotStock()).toEqual(stockBefore);
  });

  it('Return to sale clears a slot the board took out of sale, journaled; a slot in sale is a conflict', async () => {
    const { rig, fixture, call, session } = await kiosk();
    rig.store.saveSlotHealth('vending-board', 2, { consecutiveFailures: 3, outOfSale: true, reason: 'motor-jam' }, rig.clock.nowMs());
    const out = value<{ slots: TechnicianSlotView[] }>(await call('technician.slots', { sessionId: session })).slots.find((slot) => slot.slot === 2);
    expect(out).toMatchObject({ sellable: false, notSellingBecause: 'board', outOfSaleReason: 'motor-jam', consecutiveFailures: 3 });
    const after = value<{ slots: TechnicianSlotView[] }>(await call('technician.returnSlotToSale', { sessionId: session, slot: 2 })).slots.find((slot) => slot.slot === 2);
    expect(after).toMatchObject({ sellable: true, notSellingBecause: null });
    expect(audits(fixture.journal)).toContainEqual(expect.objectContaining({ event: 'technician.return-to-sale', userId: 'technician', slot: 2, previousReason: 'motor-jam' }));
    expect(failure(await call('technician.returnSlotToSale', { sessionId: session, slot: 2 })).code).toBe('conflict');
  });

  it('without vending the slot commands answer unavailable', async () => {
    const { call } = fixtureWith();
    const session = await logIn(call);
    expect(failure(await call('technician.slots', { sessionId: session })).code).toBe('unavailable');
  });
});
