/** The cash sale every journal benchmark records: two lines, ￥37.00, paid in full. */
import { randomUUID } from 'node:crypto';
import type { NewIntent, OrderToRecord } from '../../sync/store/journal.js';

export function benchCashSale(): { readonly order: OrderToRecord; readonly payment: NewIntent } {
  const orderId = randomUUID();
  return {
    order: {
      id: orderId,
      terminalId: 'T-BENCH',
      mode: 'counter',
      userId: 'cashier',
      lines: [
        { productId: 'noodles', name: { 'zh-CN': '牛肉面', en: 'Beef noodles' }, quantity: 1, modifiers: [], unitPriceMinor: 2800, lineTotalMinor: 2800 },
        { productId: 'cola', name: { 'zh-CN': '可乐', en: 'Cola' }, quantity: 2, modifiers: [], unitPriceMinor: 450, lineTotalMinor: 900 },
      ],
      totalMinor: 3700,
      currency: 'CNY',
    },
    payment: { id: randomUUID(), kind: 'payment', orderId, method: 'cash', amountMinor: 3700, state: 'paid', isFinal: true, detail: { tenderedMinor: 3700, changeMinor: 0 } },
  };
}
