/**
 * Kitchen tickets: the lines of a sale one kitchen station prepares, as ESC/POS bytes for a
 * printer profile. Pure, like receipt-layout.ts: no prices, large quantities and names, the
 * modifiers and notes under each line, and the receipt number the pass calls out.
 */
import { EscPosEncoder } from '../protocols/escpos/escpos-encoder.js';
import type { PrinterProfile } from './printer-profiles.js';
import { localized, wrapToColumns, type ReceiptLine, type ReceiptLocale } from './receipt-layout.js';

export interface KitchenTicket {
  /** The station id as configured (`devices.kitchenPrinters` key, product `kitchenStation`). */
  readonly station: string;
  readonly receiptNumber: string;
  /** Local date and time as it should appear, e.g. `2026-11-25 20:15`. */
  readonly printedAtText: string;
  readonly lines: readonly Pick<ReceiptLine, 'name' | 'quantity' | 'modifiers' | 'note'>[];
  /** Printed bold under the header, e.g. `重印 / REPRINT`. */
  readonly banner?: string | undefined;
}

const labels = {
  'zh-CN': { kitchen: '厨房单', receipt: '单号', time: '时间' },
  en: { kitchen: 'Kitchen', receipt: 'Order', time: 'Time' },
} as const satisfies Record<ReceiptLocale, Record<string, string>>;

/** The ticket as printer bytes, from `ESC @` to the cut. */
export function layoutKitchenTicket(ticket: KitchenTicket, options: { readonly profile: PrinterProfile; readonly locale: ReceiptLocale }): Uint8Array {
  const { profile, locale } = options;
  const text = labels[locale];
  const columns = profile.columns;
  const encoder = new EscPosEncoder({ chineseEncoding: profile.chineseEncoding });
  encoder.initialize().align('center').bold(true).doubleSize(true);
  encoder.line(`${text.kitchen} ${ticket.station}`);
  encoder.doubleSize(false);
  if (ticket.banner !== undefined) encoder.line(ticket.banner);
  encoder.line(`${text.receipt}: ${ticket.receiptNumber}`).bold(false);
  encoder.line(`${text.time}: ${ticket.printedAtText}`);
  encoder.align('left').line('-'.repeat(columns));
  for (const item of ticket.lines) {
    encoder.bold(true).doubleSize(true);
    for (const line of wrapToColumns(`${item.quantity} × ${localized(item.name, locale)}`, Math.floor(columns / 2))) encoder.line(line);
    encoder.doubleSize(false).bold(false);
    for (const modifier of item.modifiers) for (const line of wrapToColumns(`  + ${localized(modifier.name, locale)}`, columns)) encoder.line(line);
    if (item.note !== undefined && item.note.length > 0) for (const line of wrapToColumns(`  * ${item.note}`, columns)) encoder.line(line);
  }
  encoder.line('-'.repeat(columns));
  if (profile.cutter === 'none') encoder.feedLines(4);
  else if (profile.cutter === 'partial') encoder.feedLines(3).feedAndCut('partial', 0);
  else encoder.feedLines(4).cut('full');
  return encoder.encode();
}
