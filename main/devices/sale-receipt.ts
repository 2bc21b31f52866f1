/**
 * What a sale's receipt and kitchen tickets say, read back from the journal (the order, its
 * lines as recorded, and the payment that completed it). Composition-side helper of
 * setup-devices.ts: the layouts in hardware/printers stay pure and never see the journal.
 */
import type { KitchenTicket } from '../../hardware/printers/kitchen-ticket-layout.js';
import type { ReceiptSale, TenderMethod } from '../../hardware/printers/receipt-layout.js';
import type { IntentRecord, Journal } from '../../sync/store/journal.js';
import type { TerminalConfig } from '../config/config-schema.js';
import { isPaidLikeState } from '../domain/payment-states.js';

/** `2026-11-25 20:15` in the terminal's local time. */
export function localTimeText(atMs: number): string {
  const date = new Date(atMs);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

function tenderOf(payment: IntentRecord): TenderMethod {
  if (payment.method === 'cash') return 'cash';
  const provider = String(payment.detail.provider ?? payment.detail.wallet ?? '').toLowerCase();
  if (provider.includes('alipay')) return 'alipay';
  if (provider.includes('wechat')) return 'wechat';
  if (provider.includes('unionpay')) return 'unionpay';
  return 'wallet';
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback);

export interface SaleDocuments {
  readonly receiptNumber: string;
  readonly receipt: ReceiptSale;
  /** One ticket per kitchen station with lines in this sale (stations from the catalog). */
  readonly kitchenTickets: readonly KitchenTicket[];
}

/**
 * The receipt and kitchen tickets of ORDERID, or undefined when the journal has no such order or
 * no completed payment for it (nothing is printed for an unpaid sale).
 */
export function saleDocuments(journal: Journal, config: TerminalConfig, orderId: string, options: { banner?: string | undefined } = {}): SaleDocuments | undefined {
  const order = journal.findOrder(orderId);
  if (!order) return undefined;
  const payment = journal
    .intentsOfOrder(orderId)
    .filter((intent) => intent.kind === 'payment' && isPaidLikeState(intent.state))
    .at(-1);
  if (!payment) return undefined;
  const lines = journal.orderLines(orderId);
  const printedAtText = localTimeText(order.createdAtMs);
  const tender = tenderOf(payment);
  const receipt: ReceiptSale = {
    merchantName: config.merchant.name,
    receiptNumber: order.receiptNumber,
    printedAtText,
    lines,
    totalMinor: order.totalMinor,
    tender: { method: tender, amountMinor: tender === 'cash' ? numberOr(payment.detail.tenderedMinor, payment.amountMinor) : payment.amountMinor },
    changeMinor: tender === 'cash' ? numberOr(payment.detail.changeMinor, 0) : 0,
    paymentReference: tender === 'cash' ? undefined : payment.id,
    banner: options.banner,
  };
  const stationOf = new Map((config.catalog?.products ?? []).map((product) => [product.id, product.kitchenStation]));
  const stations = new Map<string, KitchenTicket['lines'][number][]>();
  for (const line of lines) {
    const station = stationOf.get(line.productId);
    if (station === undefined) continue;
    stations.set(station, [...(stations.get(station) ?? []), line]);
  }
  const kitchenTickets = [...stations].map(([station, stationLines]) => ({ station, receiptNumber: order.receiptNumber, printedAtText, lines: stationLines, banner: options.banner }));
  return { receiptNumber: order.receiptNumber, receipt, kitchenTickets };
}
