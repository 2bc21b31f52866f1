import { describe, expect, it } from 'vitest';
import { findPrinterProfile, printerProfileNames, printerProfiles, UnknownPrinterProfileError } from '../../../hardware/printers/printer-profiles.js';
import { layoutReceipt, receiptMoney, twoColumnLines, wrapToColumns, type ReceiptSale } from '../../../hardware/printers/receipt-layout.js';
import { EscPosDecoder, type EscPosCommand } from '../../../hardware/protocols/escpos/escpos-decoder.js';
import { printedColumns } from '../../../hardware/protocols/escpos/printer-text-encoding.js';

const sale: ReceiptSale = {
  merchantName: { 'zh-CN': '老王面馆', en: "Wang's Noodles" },
  receiptNumber: 'T1-000042',
  printedAtText: '2026-11-25 12:30',
  lines: [
    { name: { 'zh-CN': '红烧牛肉面', en: 'Braised beef noodles' }, quantity: 2, unitPriceMinor: 2950, lineTotalMinor: 5900, modifiers: [{ name: { 'zh-CN': '加蛋', en: 'Add egg' }, priceDeltaMinor: 300 }], note: '少盐' },
    { name: { 'zh-CN': '可乐', en: 'Cola' }, quantity: 1, unitPriceMinor: 500, lineTotalMinor: 500, modifiers: [] },
  ],
  totalMinor: 6400,
  tender: { method: 'alipay', amountMinor: 6400 },
  changeMinor: 0,
  paymentReference: '2026112522001400000001',
  qrContent: 'https://example.com/e/T1-000042',
};

function decode(bytes: Uint8Array, encoding: 'gb18030' | 'gbk' | 'utf-8'): { lines: string[]; commands: EscPosCommand[] } {
  const decoder = new EscPosDecoder({ chineseEncoding: encoding });
  const commands = [...decoder.push(bytes), ...decoder.end()];
  const lines: string[] = [];
  let current = '';
  for (const command of commands) {
    if (command.kind === 'text') current += command.text;
    if (command.kind === 'line-feed') {
      lines.push(current);
      current = '';
    }
  }
  return { lines, commands };
}

describe('receipt layout', () => {
  it('formats money from integer fen with the full-width ￥', () => {
    expect(receiptMoney(6400)).toBe('￥64.00');
    expect(receiptMoney(5)).toBe('￥0.05');
    expect(receiptMoney(-300)).toBe('-￥3.00');
  });

  it('pads two columns by printed width (non-ASCII is two columns) and wraps long names', () => {
    expect(twoColumnLines('可乐', '￥5.00', 16)).toEqual(['可乐      ￥5.00']);
    expect(printedColumns('可乐      ￥5.00')).toBe(16);
    expect(twoColumnLines('一二三四五六七八', '￥5.00', 16)).toEqual(['一二三四五六七八', '          ￥5.00']);
    expect(wrapToColumns('abc中文', 4)).toEqual(['abc', '中文']);
  });

  for (const name of printerProfileNames) {
    for (const locale of ['zh-CN', 'en'] as const) {
      it(`lays out a sale for ${name} in ${locale} within the paper width`, () => {
        const profile = findPrinterProfile(name);
        const { lines, commands } = decode(layoutReceipt(sale, { profile, locale }), profile.chineseEncoding);
        const body = lines.filter((line) => line !== lines[0]);
        for (const line of body) expect(printedColumns(line)).toBeLessThanOrEqual(profile.columns);
        const joined = lines.join('\n');
        expect(joined).toContain(locale === 'zh-CN' ? '红烧牛肉面 ×2' : 'Braised beef noodles x2');
        expect(joined).toContain(locale === 'zh-CN' ? '  + 加蛋' : '  + Add egg');
        expect(joined).toContain('￥64.00');
        expect(lines.some((line) => line.endsWith('2026112522001400000001'))).toBe(true); // never split
        expect(lines.some((line) => line.startsWith(locale === 'zh-CN' ? '合计' : 'TOTAL') && line.endsWith('￥64.00'))).toBe(true);
        if (profile.nativeQr) expect(commands).toContainEqual(expect.objectContaining({ kind: 'qr-store', text: 'https://example.com/e/T1-000042' }));
        else expect(commands.some((command) => command.kind === 'raster-image' && command.widthBytes * 8 <= profile.widthDots)).toBe(true);
        const cut = commands.find((command) => command.kind === 'cut');
        if (profile.cutter === 'none') expect(cut).toBeUndefined();
        else expect(cut).toMatchObject({ mode: profile.cutter });
      });
    }
  }

  it('prints ￥ as A3 A4 in the GB18030 bytes and never the half-width 81 30 84 36', () => {
    const hex = Buffer.from(layoutReceipt(sale, { profile: printerProfiles['generic-80mm'], locale: 'zh-CN' })).toString('hex');
    expect(hex).toContain('a3a43634'); // ￥64
    expect(hex).not.toContain('81308436');
  });

  it('kicks the drawer when asked', () => {
    const { commands } = decode(layoutReceipt(sale, { profile: printerProfiles['generic-80mm'], locale: 'en', kickDrawer: true }), 'gb18030');
    expect(commands.at(-1)).toEqual({ kind: 'drawer-kick', pin: 2, onUnits: 50, offUnits: 100 });
  });

  it('names the known profiles when one is unknown', () => {
    expect(() => findPrinterProfile('epson-xyz')).toThrow(UnknownPrinterProfileError);
    expect(() => findPrinterProfile('toString')).toThrow(/generic-80mm/);
  });
});
