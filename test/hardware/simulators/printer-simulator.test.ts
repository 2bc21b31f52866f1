import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { layoutReceipt } from '../../../hardware/printers/receipt-layout.js';
import { testReceiptQrContent, testReceiptSale } from '../../../hardware/printers/test-receipt-sale.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { attachSimulatedPrinter, SimulatedPrinterUriError } from '../../../hardware/simulators/attach-simulated-printer.js';
import { writeReceiptFiles } from '../../../hardware/simulators/write-receipt-files.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { flushAsync as settle } from '../../support/fake-clock.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'printer-sim-'));
  folders.push(folder);
  return folder;
}

function zbar(pngPath: string): string {
  const result = spawnSync('zbarimg', ['-q', '--raw', pngPath], { encoding: 'utf8' });
  if (result.error) throw new Error(`zbarimg is needed for this test (Debian zbar-tools): ${result.error.message}`);
  return result.stdout.trim();
}

describe('PrinterSimulator', () => {
  it('turns the test receipt into text lines, a cut and a scannable QR code in the PNG (native QR)', () => {
    const profile = printerProfiles['generic-80mm'];
    const simulator = new PrinterSimulator({ profile });
    simulator.receive(layoutReceipt(testReceiptSale('2026-11-25 20:00'), { profile, locale: 'zh-CN' }));
    expect(simulator.receipts).toHaveLength(1);
    const receipt = simulator.receipts[0]!;
    expect(receipt.cut).toBe(true);
    expect(receipt.lines[0]).toBe('测试商户 打印测试');
    expect(receipt.lines).toContain('找零                                     ￥34.00');
    expect(receipt.qrContents).toEqual([testReceiptQrContent]);
    const folder = tempFolder();
    const files = writeReceiptFiles(receipt, folder, profile);
    expect(readFileSync(files.textPath, 'utf8')).toContain(`[QR: ${testReceiptQrContent}]`);
    expect(readFileSync(files.textPath, 'utf8')).toContain('--- cut ---');
    const png = PNG.sync.read(readFileSync(files.pngPath));
    expect(png.width).toBe(profile.widthDots + 32);
    expect(zbar(files.pngPath)).toBe(testReceiptQrContent);
  });

  it('draws a raster QR (printers without native QR) that still scans', () => {
    const profile = printerProfiles['gbk-58mm-raster-qr'];
    const simulator = new PrinterSimulator({ profile });
    simulator.receive(layoutReceipt(testReceiptSale('2026-11-25 20:00'), { profile, locale: 'en' }));
    simulator.receive(Uint8Array.of(0x1d, 0x72, 0x01)); // end of job without a cutter
    const receipt = simulator.receipts[0]!;
    expect(receipt.cut).toBe(false);
    expect(receipt.elements.some((element) => element.kind === 'graphic' && element.source === 'raster')).toBe(true);
    const files = writeReceiptFiles(receipt, tempFolder(), profile);
    expect(zbar(files.pngPath)).toBe(testReceiptQrContent);
  });

  it('answers status queries per fault', () => {
    const simulator = new PrinterSimulator({ profile: printerProfiles['generic-58mm'] });
    const ask = () => [...simulator.receive(Uint8Array.of(0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04, 0x1d, 0x72, 0x01))];
    expect(ask()).toEqual([0x12, 0x12, 0x12, 0x00]);
    simulator.setFault('paper-out');
    expect(ask()).toEqual([0x1a, 0x32, 0x7e]); // no GS r 1 reply while offline
    simulator.setFault('cover-open');
    expect(ask()).toEqual([0x1a, 0x16, 0x12]);
    simulator.setFault('silent');
    expect(ask()).toEqual([]);
    simulator.setFault('none');
    expect([...simulator.receive(Uint8Array.of(0x1d, 0x61, 0xff))]).toEqual([0x10, 0x00, 0x00, 0x00]);
  });

  it('applies ESC ! print modes from other encoders', () => {
    const simulator = new PrinterSimulator({ profile: printerProfiles['generic-58mm'] });
    simulator.receive(Uint8Array.of(0x1b, 0x21, 0x38, 0x41, 0x0a, 0x1b, 0x21, 0x00, 0x42, 0x0a, 0x1d, 0x56, 0x00));
    expect(simulator.receipts[0]?.elements).toEqual([
      expect.objectContaining({ text: 'A', bold: true, widthScale: 2, heightScale: 2 }),
      expect.objectContaining({ text: 'B', bold: false, widthScale: 1, heightScale: 1 }),
    ]);
  });

  it('drops print data while faulted and does not print it later', () => {
    const simulator = new PrinterSimulator({ profile: printerProfiles['generic-58mm'], fault: 'paper-out' });
    simulator.receive(new TextEncoder().encode('lost\n'));
    simulator.setFault('none');
    simulator.receive(Uint8Array.of(0x41, 0x0a, 0x1d, 0x56, 0x00));
    expect(simulator.receipts.map((receipt) => receipt.lines)).toEqual([['A']]);
  });

  it('runs in-process behind a sim:printer URI and refuses other kinds', async () => {
    const link = createMemoryLink();
    const simulator = attachSimulatedPrinter({ scheme: 'sim', kind: 'printer', options: { fault: 'cover-open', profile: 'generic-58mm' } }, link);
    expect(simulator.fault).toBe('cover-open');
    expect(simulator.profile.name).toBe('generic-58mm');
    const replies: number[] = [];
    link.host.on('data', (chunk) => replies.push(...chunk));
    await link.host.open();
    await link.host.write(Uint8Array.of(0x10, 0x04, 0x02));
    await settle();
    expect(replies).toEqual([0x16]);
    expect(() => attachSimulatedPrinter({ scheme: 'sim', kind: 'board', options: {} }, createMemoryLink())).toThrow(SimulatedPrinterUriError);
    expect(() => attachSimulatedPrinter({ scheme: 'sim', kind: 'printer', options: { fault: 'jam' } }, createMemoryLink())).toThrow(/paper-out/);
  });
});
