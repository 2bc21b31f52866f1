import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { afterEach, describe, expect, it } from 'vitest';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { layoutReceipt } from '../../../hardware/printers/receipt-layout.js';
import { testReceiptQrContent, testReceiptSale } from '../../../hardware/printers/test-receipt-sale.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';
import { attachSimulatedPrinter, SimulatedPrinterUriError } from '../../../hardware/simulators/attach-simulated-printer.js';
import { ReceiptPageWriter, writeReceiptFiles } from '../../../hardware/simulators/write-receipt-files.js';
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

describe('PrinterSimulator over a long run', () => {
  const oneReceipt = (text: string) => new TextEncoder().encode(`${text}\n\x1dV\x00`);

  it('keeps only the newest receipts in memory, counts them all, and numbers them on', () => {
    const simulator = new PrinterSimulator({ profile: printerProfiles['generic-58mm'], keepReceipts: 3 });
    for (let index = 1; index <= 10; index += 1) simulator.receive(oneReceipt(`R${index}`));
    expect(simulator.printedCount).toBe(10);
    expect(simulator.receipts.map((receipt) => [receipt.number, receipt.lines[0]])).toEqual([
      [8, 'R8'],
      [9, 'R9'],
      [10, 'R10'],
    ]);
  });

  it('draws a QR picture only when asked, the same dots as drawn at once, and still reports data no QR code can hold', () => {
    const problems: string[] = [];
    const simulator = new PrinterSimulator({ profile: printerProfiles['generic-80mm'], onProblem: (message) => problems.push(message) });
    simulator.receive(layoutReceipt(testReceiptSale('2026-11-25 20:00'), { profile: printerProfiles['generic-80mm'], locale: 'en' }));
    const qr = simulator.receipts[0]?.elements.find((element) => element.kind === 'graphic');
    if (!qr || qr.kind !== 'graphic') throw new Error('expected the QR graphic');
    const modules = QRCode.create(testReceiptQrContent, { errorCorrectionLevel: 'M' }).modules;
    const scale = qr.widthDots / (modules.size + 8);
    expect(Number.isInteger(scale)).toBe(true);
    expect(qr.heightDots).toBe(qr.widthDots);
    for (let row = 0; row < modules.size; row += 1) {
      for (let column = 0; column < modules.size; column += 1) {
        expect(qr.pixels[((row + 4) * scale) * qr.widthDots + (column + 4) * scale]).toBe(modules.get(row, column) ? 1 : 0);
      }
    }
    // 3,000 bytes exceed any QR code at level H: checked at print time, as before.
    const tooLong = 'x'.repeat(3_000);
    const store = new Uint8Array([0x1d, 0x28, 0x6b, (tooLong.length + 3) & 0xff, (tooLong.length + 3) >> 8, 0x31, 0x50, 0x30, ...new TextEncoder().encode(tooLong)]);
    simulator.receive(Uint8Array.of(0x1b, 0x40, 0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x33, ...store, 0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30, 0x41, 0x0a, 0x1d, 0x56, 0x00));
    expect(problems.some((problem) => problem.startsWith('QR not printable'))).toBe(true);
    expect(simulator.receipts.at(-1)?.qrContents).toEqual([]);
  });
});

describe('ReceiptPageWriter', () => {
  const profile = printerProfiles['generic-58mm'];
  const receiptWith = (text: string) => {
    const simulator = new PrinterSimulator({ profile });
    simulator.receive(new TextEncoder().encode(`${text}\n\x1dV\x00`));
    return simulator.receipts[0]!;
  };
  const names = (folder: string) => readdirSync(folder).sort();

  it('numbers pages on across restarts, and keeps only the newest pages on disk', async () => {
    const folder = tempFolder();
    const first = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, keepPages: 3, minPictureIntervalMs: 0 });
    for (let index = 1; index <= 5; index += 1) first.write(receiptWith(`R${index}`));
    await first.idle();
    expect(names(folder)).toEqual(['receipt-0003.png', 'receipt-0003.txt', 'receipt-0004.png', 'receipt-0004.txt', 'receipt-0005.png', 'receipt-0005.txt']);
    first.stop();
    const second = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, keepPages: 3 });
    expect(second.lastPageNumber).toBe(5);
    const files = second.write(receiptWith('R6'));
    await second.idle();
    expect(files.textPath).toBe(join(folder, 'receipt-0006.txt'));
    expect(readFileSync(files.textPath, 'utf8')).toContain('R6');
    expect(PNG.sync.read(readFileSync(files.pngPath)).width).toBe(profile.widthDots + 32);
    expect(names(folder)).not.toContain('receipt-0003.txt');
  });

  it('finds the last page from its counter without listing the folder', async () => {
    const folder = tempFolder();
    const first = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, keepPages: 3, maxPendingPictures: 1 });
    for (let index = 1; index <= 150; index += 1) first.write(receiptWith(`R${index}`));
    first.stop();
    expect(readFileSync(join(folder, 'receipt.last-page'), 'utf8')).toBe('100');
    // A stray page far ahead of the counter is not looked for: only the pages after the counter are.
    writeFileSync(join(folder, 'receipt-9999.txt'), 'not ours');
    const second = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, keepPages: 3 });
    expect(second.lastPageNumber).toBe(150);
    second.stop();
  });

  it('continues a folder written without a counter (older versions) and deletes its pages beyond the retention', async () => {
    const folder = tempFolder();
    for (let number = 1; number <= 40; number += 1) {
      writeFileSync(join(folder, `receipt-${String(number).padStart(4, '0')}.txt`), 'old');
      writeFileSync(join(folder, `receipt-${String(number).padStart(4, '0')}.png`), 'old');
    }
    writeFileSync(join(folder, 'kitchen-hot-0099.txt'), 'another printer');
    const writer = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, keepPages: 10 });
    expect(writer.lastPageNumber).toBe(40);
    writer.write(receiptWith('next'));
    await writer.idle();
    await eventually(() => names(folder).filter((name) => name.startsWith('receipt-')).length === 20);
    expect(names(folder).filter((name) => name.endsWith('.txt'))).toEqual(['kitchen-hot-0099.txt', ...Array.from({ length: 10 }, (_, index) => `receipt-00${String(index + 32)}.txt`)]);
  });

  it('draws at most one picture per interval: a receipt after a quiet spell at once, the next one later', async () => {
    const folder = tempFolder();
    const writer = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, minPictureIntervalMs: 60_000 });
    const first = writer.write(receiptWith('R1'));
    const second = writer.write(receiptWith('R2'));
    await eventually(() => existsSync(first.pngPath));
    expect(existsSync(second.pngPath)).toBe(false);
    writer.stop();
    expect(writer.skippedPictures).toBe(1);
    expect(existsSync(second.textPath)).toBe(true);
  });

  it('draws pictures after the write returns, and skips the oldest waiting ones when receipts come faster', async () => {
    const folder = tempFolder();
    const writer = new ReceiptPageWriter({ folder, prefix: 'receipt', profile, maxPendingPictures: 2 });
    const written = Array.from({ length: 6 }, (_, index) => writer.write(receiptWith(`R${index + 1}`)));
    expect(written.every((files) => existsSync(files.textPath))).toBe(true);
    expect(written.some((files) => existsSync(files.pngPath))).toBe(false);
    await writer.idle();
    expect(written.map((files) => existsSync(files.pngPath))).toEqual([false, false, false, false, true, true]);
    expect(writer.skippedPictures).toBe(4);
  });
});

async function eventually(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the condition never became true');
}
