/**
 * Receipt layout: turns a sale into ESC/POS bytes for a printer profile (58 mm or 80 mm paper)
 * in zh-CN or English. Pure: the caller passes the time already formatted.
 *
 * Money is integer fen, printed as `￥12.50` with the full-width ￥ (GB18030 A3 A4) that every
 * Chinese printer shows correctly. Two-column lines pad by printed columns (CJK characters take
 * two), and a name too long for its line wraps so the amount always stays right-aligned.
 */
import { formatMinorAsDecimal } from '../../kernel/money.js';
import type { LocalizedText } from '../../main/domain/catalog.js';
import { EscPosEncoder } from '../protocols/escpos/escpos-encoder.js';
import { fullWidthYuan, printedColumns } from '../protocols/escpos/printer-text-encoding.js';
import type { PrinterProfile } from './printer-profiles.js';

export type ReceiptLocale = 'zh-CN' | 'en';
/** `wallet`: a mobile payment whose provider is not one of the named ones. */
export type TenderMethod = 'cash' | 'alipay' | 'wechat' | 'unionpay' | 'card' | 'coupon' | 'wallet';

export interface ReceiptLineModifier {
  readonly name: LocalizedText;
  readonly priceDeltaMinor: number;
}

/** Structurally an `OrderLine` (main/domain/order.ts), so priced orders print as they are. */
export interface ReceiptLine {
  readonly name: LocalizedText;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly lineTotalMinor: number;
  readonly modifiers: readonly ReceiptLineModifier[];
  readonly note?: string | undefined;
}

export interface ReceiptSale {
  readonly merchantName: LocalizedText;
  readonly receiptNumber: string;
  /** Local date and time as it should appear, e.g. `2026-11-25 20:15`. */
  readonly printedAtText: string;
  readonly lines: readonly ReceiptLine[];
  readonly totalMinor: number;
  readonly tender: { readonly method: TenderMethod; readonly amountMinor: number };
  readonly changeMinor: number;
  readonly paymentReference?: string | undefined;
  /** Content of the QR code printed under the totals (e.g. e-invoice or loyalty link). */
  readonly qrContent?: string | undefined;
  readonly footer?: LocalizedText | undefined;
  /** Printed bold and centred under the merchant name, e.g. `重印 / REPRINT` on a reprint. */
  readonly banner?: string | undefined;
}

export interface ReceiptLayoutOptions {
  readonly profile: PrinterProfile;
  readonly locale: ReceiptLocale;
  /** Pulse the cash drawer after the cut (cash sales). */
  readonly kickDrawer?: boolean | undefined;
}

const labels = {
  'zh-CN': { receipt: '单号', time: '时间', total: '合计', paid: '实收', change: '找零', reference: '支付流水号', scan: '扫码查看电子小票', quantity: '×' },
  en: { receipt: 'Receipt', time: 'Time', total: 'TOTAL', paid: 'Paid', change: 'Change', reference: 'Payment ref', scan: 'Scan for your e-receipt', quantity: 'x' },
} as const satisfies Record<ReceiptLocale, Record<string, string>>;

const tenderNames: Record<TenderMethod, LocalizedText> = {
  cash: { 'zh-CN': '现金', en: 'Cash' },
  alipay: { 'zh-CN': '支付宝', en: 'Alipay' },
  wechat: { 'zh-CN': '微信支付', en: 'WeChat Pay' },
  unionpay: { 'zh-CN': '银联', en: 'UnionPay' },
  card: { 'zh-CN': '银行卡', en: 'Card' },
  coupon: { 'zh-CN': '优惠券', en: 'Coupon' },
  wallet: { 'zh-CN': '移动支付', en: 'Mobile payment' },
};

export function localized(text: LocalizedText, locale: ReceiptLocale): string {
  return locale === 'en' ? (text.en ?? text['zh-CN']) : text['zh-CN'];
}

/** `1250` → `￥12.50`; negative amounts `-￥3.00`. */
export function receiptMoney(amountMinor: number): string {
  const decimal = formatMinorAsDecimal(amountMinor);
  return decimal.startsWith('-') ? `-${fullWidthYuan}${decimal.slice(1)}` : `${fullWidthYuan}${decimal}`;
}

/** Splits TEXT into pieces of at most COLUMNS printed columns (never splitting a character). */
export function wrapToColumns(text: string, columns: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const width = printedColumns(char);
    if (used + width > columns && current.length > 0) {
      pieces.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += width;
  }
  if (current.length > 0 || pieces.length === 0) pieces.push(current);
  return pieces;
}

/** LEFT and RIGHT on one line of COLUMNS columns; LEFT wraps onto lines of its own when needed. */
export function twoColumnLines(left: string, right: string, columns: number): string[] {
  if (right.length === 0) return wrapToColumns(left, columns);
  const rightWidth = printedColumns(right);
  const leftPieces = wrapToColumns(left, columns);
  const last = leftPieces[leftPieces.length - 1] ?? '';
  const gap = columns - printedColumns(last) - rightWidth;
  if (gap >= 1) return [...leftPieces.slice(0, -1), `${last}${' '.repeat(gap)}${right}`];
  return [...leftPieces, `${' '.repeat(Math.max(0, columns - rightWidth))}${right}`];
}

/** The receipt as printer bytes, from `ESC @` to the cut. */
export function layoutReceipt(sale: ReceiptSale, options: ReceiptLayoutOptions): Uint8Array {
  const encoder = new EscPosEncoder({ chineseEncoding: options.profile.chineseEncoding });
  writeReceipt(encoder, sale, options);
  return encoder.encode();
}

/** Appends the receipt to ENCODER (for callers batching several documents). */
export function writeReceipt(encoder: EscPosEncoder, sale: ReceiptSale, options: ReceiptLayoutOptions): void {
  const { profile, locale } = options;
  const text = labels[locale];
  const columns = profile.columns;
  const rule = '-'.repeat(columns);
  const row = (left: string, right: string) => {
    for (const line of twoColumnLines(left, right, columns)) encoder.line(line);
  };

  encoder.initialize().align('center').bold(true).doubleSize(true);
  for (const line of wrapToColumns(localized(sale.merchantName, locale), Math.floor(columns / 2))) encoder.line(line);
  encoder.doubleSize(false).bold(false);
  if (sale.banner !== undefined) encoder.bold(true).line(sale.banner).bold(false);
  encoder.line(`${text.receipt}: ${sale.receiptNumber}`);
  encoder.line(`${text.time}: ${sale.printedAtText}`);
  encoder.align('left').line(rule);

  for (const item of sale.lines) {
    row(`${localized(item.name, locale)} ${text.quantity}${item.quantity}`, receiptMoney(item.lineTotalMinor));
    for (const modifier of item.modifiers) {
      const delta = modifier.priceDeltaMinor === 0 ? '' : `+${receiptMoney(modifier.priceDeltaMinor)}`;
      row(`  + ${localized(modifier.name, locale)}`, delta);
    }
    if (item.note !== undefined && item.note.length > 0) {
      for (const line of wrapToColumns(`  * ${item.note}`, columns)) encoder.line(line);
    }
  }

  encoder.line(rule).bold(true);
  row(text.total, receiptMoney(sale.totalMinor));
  encoder.bold(false);
  row(`${text.paid} (${localized(tenderNames[sale.tender.method], locale)})`, receiptMoney(sale.tender.amountMinor));
  if (sale.changeMinor > 0 || sale.tender.method === 'cash') row(text.change, receiptMoney(sale.changeMinor));
  if (sale.paymentReference !== undefined) {
    const oneLine = `${text.reference}: ${sale.paymentReference}`;
    // A reference is copied by hand or scanned by eye: never split it when a line break can be avoided.
    if (printedColumns(oneLine) <= columns) encoder.line(oneLine);
    else for (const line of [`${text.reference}:`, ...wrapToColumns(sale.paymentReference, columns)]) encoder.line(line);
  }

  if (sale.qrContent !== undefined) {
    encoder.line().align('center');
    const moduleSize = profile.paperWidthMm === 58 ? 4 : 6;
    if (profile.nativeQr) encoder.qrCode(sale.qrContent, { moduleSize, errorLevel: 'M' });
    else encoder.qrCodeAsRaster(sale.qrContent, { moduleSize, errorLevel: 'M' });
    encoder.line().line(text.scan).align('left');
  }
  if (sale.footer !== undefined) encoder.align('center').line(localized(sale.footer, locale)).align('left');

  if (profile.cutter === 'none') encoder.feedLines(4);
  else if (profile.cutter === 'partial') encoder.feedLines(3).feedAndCut('partial', 0);
  else encoder.feedLines(4).cut('full');
  if (options.kickDrawer === true) encoder.kickDrawer(2);
}
