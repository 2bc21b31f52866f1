import { describe, expect, it } from 'vitest';
import { PrintQueue, type PrintQueueEvent } from '../../../hardware/devices/print-queue.js';
import { PrinterError } from '../../../hardware/devices/printer-error.js';
import { ReceiptPrinter } from '../../../hardware/devices/receipt-printer.js';
import { MemoryPrintJobStore } from '../../../hardware/printers/memory-print-job-store.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { EscPosEncoder } from '../../../hardware/protocols/escpos/escpos-encoder.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';

const profile = printerProfiles['generic-58mm'];
const receipt = (text: string) => new EscPosEncoder({ chineseEncoding: 'gb18030' }).initialize().line(text).feedLines(3).encode();

async function setup() {
  const timer = new FakeClock();
  const link = createMemoryLink();
  const simulator = new PrinterSimulator({ profile });
  await simulator.attach(link.device);
  const printer = new ReceiptPrinter({ transport: link.host, profile, timer, statusTimeoutMs: 500, proofTimeoutMs: 2000 });
  const store = new MemoryPrintJobStore();
  const events: PrintQueueEvent[] = [];
  const queue = new PrintQueue({ printer, store, timer, retryDelayMs: 10_000, onEvent: (event) => events.push(event) });
  return { timer, link, simulator, printer, store, queue, events };
}

const printedTexts = (simulator: PrinterSimulator) => simulator.receipts.map((printed) => printed.lines.join('|'));

describe('PrintQueue', () => {
  it('prints a job and marks it printed only after proof', async () => {
    const { queue, store, simulator } = await setup();
    expect(await queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') })).toEqual({ state: 'printed' });
    expect(store.get('r1')).toMatchObject({ state: 'printed', attempts: 1 });
    expect(printedTexts(simulator)).toEqual(['一号']);
  });

  it('keeps jobs queued on paper-out and reprints them exactly once, in order, when paper is loaded', async () => {
    const { queue, store, simulator, timer, events } = await setup();
    simulator.setFault('paper-out');
    const first = await queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') });
    expect(first).toMatchObject({ state: 'queued' });
    expect(first.state === 'queued' ? first.error?.code : null).toBe('paper-out');
    expect(await queue.submit({ id: 'r2', description: 'receipt 2', bytes: receipt('二号') })).toMatchObject({ state: 'queued' });
    expect(store.pending().map((job) => job.id)).toEqual(['r1', 'r2']);
    expect(store.get('r1')?.lastError).toContain('paper-out');

    simulator.setFault('none');
    await timer.advance(10_000); // the automatic retry
    expect(printedTexts(simulator)).toEqual(['一号', '二号']);
    expect(store.pending()).toEqual([]);
    await queue.drain();
    await timer.advance(60_000);
    expect(printedTexts(simulator)).toEqual(['一号', '二号']);
    expect(events.filter((event) => event.kind === 'printed').map((event) => event.jobId)).toEqual(['r1', 'r2']);
  });

  it('does not print a job twice when it is submitted twice', async () => {
    const { queue, simulator } = await setup();
    await queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') });
    expect(await queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') })).toEqual({ state: 'printed' });
    expect(printedTexts(simulator)).toEqual(['一号']);
  });

  it('serialises concurrent drains so no job is sent twice', async () => {
    const { queue, store, simulator } = await setup();
    store.add({ id: 'a', description: 'a', bytes: receipt('A') }, 0);
    store.add({ id: 'b', description: 'b', bytes: receipt('B') }, 0);
    await Promise.all([queue.drain(), queue.drain(), queue.drain()]);
    expect(printedTexts(simulator)).toEqual(['A', 'B']);
  });

  it('survives a pulled cable: the job stays queued and completes once after replug', async () => {
    const { queue, store, simulator, link, timer } = await setup();
    simulator.setFault('silent');
    const outcome = queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') });
    await timer.advance(100);
    link.unplug();
    expect(await outcome).toMatchObject({ state: 'queued' });
    await timer.advance(10_000); // retry while unplugged fails again
    expect(store.get('r1')).toMatchObject({ state: 'pending', attempts: 2 });
    link.replug();
    simulator.setFault('none');
    await timer.advance(10_000);
    expect(store.get('r1')?.state).toBe('printed');
    expect(printedTexts(simulator)).toEqual(['一号']);
  });

  it('rejects an empty job before storing it', async () => {
    const { queue, store } = await setup();
    await expect(queue.submit({ id: 'e', description: 'empty', bytes: new Uint8Array(0) })).rejects.toBeInstanceOf(PrinterError);
    expect(store.get('e')).toBeUndefined();
  });

  it('stop() cancels the scheduled retry and keeps the job', async () => {
    const { queue, store, simulator, timer } = await setup();
    simulator.setFault('cover-open');
    await queue.submit({ id: 'r1', description: 'receipt 1', bytes: receipt('一号') });
    expect(timer.scheduledCount).toBe(1);
    queue.stop();
    expect(timer.scheduledCount).toBe(0);
    expect(store.pending()).toHaveLength(1);
  });
});
