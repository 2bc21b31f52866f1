/**
 * Test child: records cash sales into the journal at argv[2] in a loop and prints
 * `committed <orderId>` after each transaction returns. The parent kills it with SIGKILL.
 * With argv[3] = "once" it records one sale, prints, then idles until killed.
 */
import { randomUUID } from 'node:crypto';
import { Journal } from '../../sync/store/journal.js';

const [file, mode] = process.argv.slice(2);
if (!file) throw new Error('usage: journal-writer-child FILE [once]');
const journal = Journal.open(file);

function recordSale(): string {
  const orderId = randomUUID();
  journal.recordOrder(
    {
      id: orderId,
      terminalId: 'T-KILL',
      mode: 'counter',
      userId: 'cashier',
      lines: [{ productId: 'cola', name: { 'zh-CN': '可乐' }, quantity: 2, modifiers: [], unitPriceMinor: 450, lineTotalMinor: 900 }],
      totalMinor: 900,
      currency: 'CNY',
    },
    [{ id: randomUUID(), kind: 'payment', orderId, method: 'cash', amountMinor: 900, state: 'paid', isFinal: true }],
  );
  process.stdout.write(`committed ${orderId}\n`);
  return orderId;
}

if (mode === 'once') {
  recordSale();
  setInterval(() => undefined, 1000);
} else {
  for (;;) recordSale();
}
