import { describe, expect, it } from 'vitest';
import { PrinterError } from '../../../hardware/devices/printer-error.js';
import { ReceiptPrinter } from '../../../hardware/devices/receipt-printer.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { EscPosEncoder } from '../../../hardware/protocols/escpos/escpos-encoder.js';
import { PrinterSimulator, type PrinterFault } from '../../../hardware/simulators/printer-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock, flushAsync as settle } from '../../support/fake-clock.js';

const profile = printerProfiles['generic-80mm'];
const job = () => new EscPosEncoder({ chineseEncoding: 'gb18030' }).initialize().line('中文 ￥1.00').feedAndCut('partial', 0).encode();

async function setup(fault: PrinterFault = 'none') {
  const timer = new FakeClock();
  const link = createMemoryLink({ description: 'sim:printer' });
  const simulator = new PrinterSimulator({ profile, fault });
  await simulator.attach(link.device);
  const printer = new ReceiptPrinter({ transport: link.host, profile, timer, statusTimeoutMs: 500, proofTimeoutMs: 5000 });
  return { timer, link, simulator, printer };
}

async function rejection(promise: Promise<unknown>): Promise<PrinterError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof PrinterError)) throw error;
  return error;
}

describe('ReceiptPrinter', () => {
  it('prints with proof of print and the simulator receives the receipt', async () => {
    const { printer, simulator } = await setup();
    const proof = await printer.print(job());
    expect(proof).toMatchObject({ proven: true, conditions: [] });
    expect(simulator.receipts).toHaveLength(1);
    expect(simulator.receipts[0]?.lines).toEqual(['中文 ￥1.00']);
  });

  it('prints with a near-end warning and real proof', async () => {
    const { printer, simulator } = await setup('paper-near-end');
    const proof = await printer.print(job());
    expect(proof).toMatchObject({ proven: true, conditions: ['paper-near-end'] });
    expect(simulator.receipts).toHaveLength(1);
  });

  it('counts a job as written, not proven, on a profile without status replies', async () => {
    const timer = new FakeClock();
    const link = createMemoryLink();
    const simulator = new PrinterSimulator({ profile, fault: 'silent' });
    await simulator.attach(link.device);
    const printer = new ReceiptPrinter({ transport: link.host, profile: { ...profile, statusReplies: false }, timer });
    expect(await printer.print(job())).toMatchObject({ proven: false, conditions: [] });
    expect(timer.scheduledCount).toBe(0);
  });

  it('reports status conditions in real time', async () => {
    const { printer, simulator } = await setup();
    expect((await printer.status()).conditions).toEqual([]);
    simulator.setFault('cover-open');
    expect((await printer.status()).conditions).toEqual(['offline', 'cover-open']);
  });

  it('refuses to send a job to a printer out of paper, as a typed error, and prints nothing', async () => {
    const { printer, simulator } = await setup('paper-out');
    const error = await rejection(printer.print(job()));
    expect(error.code).toBe('paper-out');
    expect(error.retryable).toBe(true);
    expect(simulator.receipts).toHaveLength(0);
  });

  it('reports cover-open as a typed error', async () => {
    const { printer } = await setup('cover-open');
    expect((await rejection(printer.print(job()))).code).toBe('cover-open');
  });

  it('reports a silent printer as offline after the status timeout on the injected clock', async () => {
    const { printer, timer } = await setup('silent');
    const pending = rejection(printer.print(job()));
    await timer.advance(499);
    let settled = false;
    void pending.then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    await timer.advance(1);
    const error = await pending;
    expect(error.code).toBe('offline');
    expect(error.message).toContain('DLE EOT 1');
  });

  it('finds the cause when the paper runs out during the job (no GS r 1 reply)', async () => {
    const { printer, simulator, timer } = await setup();
    const originalReceive = simulator.receive.bind(simulator);
    // The paper runs out as the job arrives: status was fine before, the job is dropped.
    simulator.receive = (chunk: Uint8Array) => {
      if (chunk.length > 3) simulator.setFault('paper-out');
      return originalReceive(chunk);
    };
    const pending = rejection(printer.print(job()));
    await timer.advance(5000);
    const error = await pending;
    expect(error.code).toBe('paper-out');
    expect(simulator.receipts).toHaveLength(0);
  });

  it('fails the operation in progress with disconnected when the cable is pulled, and reopens on the next job', async () => {
    const { printer, simulator, link, timer } = await setup('silent');
    const pending = rejection(printer.print(job()));
    await settle();
    link.unplug();
    expect((await pending).code).toBe('disconnected');
    expect((await rejection(printer.print(job()))).code).toBe('disconnected');
    link.replug();
    simulator.setFault('none');
    await printer.print(job());
    expect(simulator.receipts).toHaveLength(1);
    expect(timer.scheduledCount).toBe(0);
  });

  it('receives automatic status back reports once enabled, also between status replies', async () => {
    const timer = new FakeClock();
    const link = createMemoryLink();
    const simulator = new PrinterSimulator({ profile });
    await simulator.attach(link.device);
    const reports: (readonly string[])[] = [];
    const printer = new ReceiptPrinter({ transport: link.host, profile, timer, onAutomaticStatus: (conditions) => reports.push(conditions) });
    await printer.enableAutomaticStatusBack();
    await settle();
    simulator.setFault('cover-open');
    await settle();
    expect(reports).toEqual([[], ['offline', 'cover-open']]);
    expect(printer.automaticStatus).toEqual(['offline', 'cover-open']);
    expect((await printer.status()).conditions).toEqual(['offline', 'cover-open']);
  });

  it('rejects an empty job without touching the printer', async () => {
    const { printer } = await setup();
    const error = await rejection(printer.print(new Uint8Array(0)));
    expect(error.code).toBe('rejected');
    expect(error.retryable).toBe(false);
  });

  it('ignores stray bytes from the printer while waiting for a reply', async () => {
    const { printer, link } = await setup();
    await link.device.write(Uint8Array.of(0x11, 0x13, 0xff));
    expect((await printer.status()).replies).toEqual([0x12, 0x12, 0x12, 0x12]);
  });
});
