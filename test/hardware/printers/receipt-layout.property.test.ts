/**
 * Property tests of the receipt layout over random sales: every line fits the paper, every item
 * name and amount survives the encode → decode round trip, and wrapping never loses characters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printerProfiles } from '../../../hardware/printers/printer-profiles.js';
import { layoutReceipt, receiptMoney, twoColumnLines, wrapToColumns, type ReceiptSale } from '../../../hardware/printers/receipt-layout.js';
import { EscPosDecoder } from '../../../hardware/protocols/escpos/escpos-decoder.js';
import { printedColumns } from '../../../hardware/protocols/escpos/printer-text-encoding.js';

const nameChar = fc.constantFrom(...'abcXYZ 019-()面牛肉奶茶加辣大杯中文￥'.split(''));
const name = fc.array(nameChar, { minLength: 1, maxLength: 40 }).map((chars) => chars.join('').trim() || 'x');
const amount = fc.integer({ min: 0, max: 99_999_999 });

const sale = fc.record({
  merchant: name,
  lines: fc.array(fc.record({ name, quantity: fc.integer({ min: 1, max: 999 }), total: amount, modifier: fc.option(fc.record({ name, delta: amount }), { nil: undefined }) }), { minLength: 1, maxLength: 6 }),
  total: amount,
  paid: amount,
  reference: fc.option(fc.stringMatching(/^[0-9A-Z]{1,40}$/), { nil: undefined }),
});

interface RandomSale {
  readonly merchant: string;
  readonly lines: readonly { name: string; quantity: number; total: number; modifier: { name: string; delta: number } | undefined }[];
  readonly total: number;
  readonly paid: number;
  readonly reference: string | undefined;
}

function toSale(input: RandomSale): ReceiptSale {
  return {
    merchantName: { 'zh-CN': input.merchant },
    receiptNumber: 'T1-000001',
    printedAtText: '2026-11-25 12:00',
    lines: input.lines.map((line) => ({
      name: { 'zh-CN': line.name },
      quantity: line.quantity,
      unitPriceMinor: 0,
      lineTotalMinor: line.total,
      modifiers: line.modifier ? [{ name: { 'zh-CN': line.modifier.name }, priceDeltaMinor: line.modifier.delta }] : [],
    })),
    totalMinor: input.total,
    tender: { method: 'wechat', amountMinor: input.paid },
    changeMinor: 0,
    paymentReference: input.reference,
  };
}

describe('receipt layout properties', { timeout: 60_000 }, () => {
  it('wrapping keeps every character and respects the width', () => {
    fc.assert(
      fc.property(name, fc.integer({ min: 2, max: 48 }), (text, columns) => {
        const pieces = wrapToColumns(text, columns);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) expect(printedColumns(piece)).toBeLessThanOrEqual(columns);
      }),
      { numRuns: 2000 },
    );
  });

  it('two-column lines end with the amount and fit the width', () => {
    fc.assert(
      fc.property(name, amount, fc.constantFrom(32, 48), (left, amountMinor, columns) => {
        const lines = twoColumnLines(left, receiptMoney(amountMinor), columns);
        expect(lines.at(-1)?.endsWith(receiptMoney(amountMinor))).toBe(true);
        for (const line of lines) expect(printedColumns(line)).toBeLessThanOrEqual(columns);
      }),
      { numRuns: 2000 },
    );
  });

  it('every body line fits the paper and every name and amount is read back (58 and 80 mm)', () => {
    fc.assert(
      fc.property(sale, fc.constantFrom(printerProfiles['generic-58mm'], printerProfiles['generic-80mm']), (input, profile) => {
        const receipt = toSale(input);
        const decoder = new EscPosDecoder({ chineseEncoding: profile.chineseEncoding });
        const lines: { text: string; doubleWidth: boolean }[] = [];
        let current = '';
        let doubleWidth = false;
        for (const command of [...decoder.push(layoutReceipt(receipt, { profile, locale: 'zh-CN' })), ...decoder.end()]) {
          if (command.kind === 'size') doubleWidth = command.width === 2;
          if (command.kind === 'text') current += command.text;
          if (command.kind === 'line-feed') {
            lines.push({ text: current, doubleWidth });
            current = '';
          }
        }
        for (const line of lines) expect(printedColumns(line.text) * (line.doubleWidth ? 2 : 1)).toBeLessThanOrEqual(profile.columns);
        const flat = lines.map((line) => line.text).join('');
        const normalise = (text: string) => text.replace(/\s+/g, '');
        for (const line of receipt.lines) {
          expect(normalise(flat)).toContain(normalise(line.name['zh-CN']));
          expect(flat).toContain(receiptMoney(line.lineTotalMinor));
        }
        expect(flat).toContain(receiptMoney(receipt.totalMinor));
      }),
      { numRuns: 500 },
    );
  });
});
