/**
 * Integration over socat pseudo-terminal pairs with the real serialport binding: the driver
 * (ReceiptPrinter / PrintQueue on a SerialTransport) on one end, the printer simulator on the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemDeviceTimer } from '../../../hardware/devices/device-timer.js';
import { PrintQueue } from '../../../hardware/devices/print-queue.js';
import { PrinterError } from '../../../hardware/devices/printer-error.js';
import { ReceiptPrinter } from '../../../hardware/devices/receipt-printer.js';
import { MemoryPrintJobStore } from '../../../hardware/printers/memory-print-job-store.js';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { layoutReceipt } from '../../../hardware/printers/receipt-layout.js';
import { testReceiptSale } from '../../../hardware/printers/test-receipt-sale.js';
import { EscPosDecoder } from '../../../hardware/protocols/escpos/escpos-decoder.js';
import { PrinterSimulator, type PrinterSimulatorOptions } from '../../../hardware/simulators/printer-simulator.js';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';

const profile = printerProfiles['generic-80mm'];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPair(paths?: { hostPath: string; devicePath: string }): Promise<PtyPair> {
  const pair = await createPtyPair(paths ? { ...paths, timeoutMs: 15_000 } : { timeoutMs: 15_000 });
  cleanups.push(() => pair.close());
  return pair;
}

async function startSimulator(devicePath: string, options: Omit<PrinterSimulatorOptions, 'profile'> = {}): Promise<PrinterSimulator> {
  const device = new SerialTransport({ path: devicePath, baudRate: 115200 });
  const simulator = new PrinterSimulator({ profile, ...options });
  await simulator.attach(device);
  cleanups.push(() => device.close());
  return simulator;
}

function hostPrinter(hostPath: string): ReceiptPrinter {
  const transport = new SerialTransport({ path: hostPath, baudRate: 115200 });
  cleanups.push(() => transport.close());
  return new ReceiptPrinter({ transport, profile, timer: systemDeviceTimer, statusTimeoutMs: 5000, proofTimeoutMs: 20_000 });
}

/** The text lines an independent decode of BYTES gives (what the page must show). */
function expectedLines(bytes: Uint8Array): string[] {
  const decoder = new EscPosDecoder({ chineseEncoding: profile.chineseEncoding });
  const lines: string[] = [];
  let current = '';
  for (const command of [...decoder.push(bytes), ...decoder.end()]) {
    if (command.kind === 'text') current += command.text;
    else if (command.kind === 'line-feed' || command.kind === 'feed-lines') {
      lines.push(current);
      current = '';
    }
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

describe('receipt printer over a PTY pair (real serialport binding)', () => {
  it('prints a receipt that the simulator decodes back to the same text, with proof of print', async () => {
    const pair = await startPair();
    const simulator = await startSimulator(pair.devicePath);
    const printer = hostPrinter(pair.hostPath);
    const bytes = layoutReceipt(testReceiptSale('2026-11-25 20:00'), { profile, locale: 'zh-CN' });
    const proof = await printer.print(bytes);
    expect(proof.conditions).toEqual([]);
    expect(simulator.receipts).toHaveLength(1);
    const receipt = simulator.receipts[0]!;
    expect(receipt.lines).toEqual(expectedLines(bytes));
    expect(receipt.lines).toEqual(expect.arrayContaining(['测试商户 打印测试', '中文 ￥ QR 切纸 测试完成']));
    expect(receipt.qrContents).toEqual(['https://example.com/r/TEST-000001']);
    expect(receipt.cut).toBe(true);
  }, 60_000);

  it('reports paper-out as a typed error and prints nothing', async () => {
    const pair = await startPair();
    const simulator = await startSimulator(pair.devicePath, { fault: 'paper-out' });
    const printer = hostPrinter(pair.hostPath);
    const error = await printer.print(layoutReceipt(testReceiptSale('x'), { profile, locale: 'en' })).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PrinterError);
    expect((error as PrinterError).code).toBe('paper-out');
    expect(simulator.receipts).toHaveLength(0);
  }, 60_000);

  it('completes a job exactly once after the cable is pulled mid-job and plugged back', async () => {
    const first = await startPair();
    const paths = { hostPath: first.hostPath, devicePath: first.devicePath };
    let pulled: Promise<void> | null = null;
    const firstSimulator = await startSimulator(first.devicePath, {
      onCommand: (command) => {
        // Mid-job (the QR block has arrived, the cut has not): the cable goes.
        if (command.kind === 'qr-store' && pulled === null) {
          firstSimulator.setFault('silent');
          pulled = first.close();
        }
      },
    });
    const printer = hostPrinter(first.hostPath);
    const store = new MemoryPrintJobStore();
    const queue = new PrintQueue({ printer, store, timer: systemDeviceTimer, retryDelayMs: 0 });
    const bytes = layoutReceipt(testReceiptSale('2026-11-25 20:00'), { profile, locale: 'zh-CN' });

    const outcome = await queue.submit({ id: 'receipt-1', description: 'receipt 1', bytes });
    expect(pulled).not.toBeNull();
    await pulled;
    expect(outcome.state).toBe('queued');
    expect(outcome.state === 'queued' ? outcome.error?.code : null).toBe('disconnected');
    expect(firstSimulator.receipts).toHaveLength(0);
    expect(store.get('receipt-1')?.state).toBe('pending');

    // Replug: a new pair on the same paths, a healthy printer behind it.
    const second = await startPair(paths);
    const secondSimulator = await startSimulator(second.devicePath);
    const drained = await queue.drain();
    expect(drained.printed).toEqual(['receipt-1']);
    expect(store.get('receipt-1')?.state).toBe('printed');
    expect(secondSimulator.receipts).toHaveLength(1);
    expect(secondSimulator.receipts[0]?.lines[0]).toBe('测试商户 打印测试');

    expect((await queue.drain()).printed).toEqual([]);
    expect(secondSimulator.receipts).toHaveLength(1);
  }, 90_000);
});
