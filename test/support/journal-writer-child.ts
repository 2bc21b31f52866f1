/**
 * Test child: records cash sales into the journal at FILE in a loop and prints
 * `committed <orderId> <totalMinor>` after each transaction returns. The parent kills it with
 * SIGKILL. With MODE "once" it records one sale, prints, then idles until killed. Quantities and
 * prices come from SEED.
 *
 * argv: FILE once|loop SEED
 */
import { randomUUID } from 'node:crypto';
import { Journal } from '../../sync/store/journal.js';
import { parseSeed, SeededRandom } from './seeded-random.js';

const [file, mode, seedText] = process.argv.slice(2);
if (!file || (mode !== 'once' && mode !== 'loop') || seedText === undefined) throw new Error('usage: journal-writer-child FILE once|loop SEED');
const random = new SeededRandom(parseSeed(seedText, 'SEED'));
const journal = Journal.open(file);

function recordSale(): string {
  const orderId = randomUUID();
  const quantity = random.integer(1, 5);
  const unitPriceMinor = random.integer(100, 999);
  const totalMinor = quantity * unitPriceMinor;
  journal.recordOrder(
    {
      id: orderId,
      terminalId: 'T-KILL',
      mode: 'counter',
      userId: 'cashier',
      lines: [{ productId: 'cola', name: { 'zh-CN': '可乐' }, quantity, modifiers: [], unitPriceMinor, lineTotalMinor: totalMinor }],
      totalMinor,
      currency: 'CNY',
    },
    [{ id: randomUUID(), kind: 'payment', orderId, method: 'cash', amountMinor: totalMinor, state: 'paid', isFinal: true }],
  );
  process.stdout.write(`committed ${orderId} ${totalMinor}\n`);
  return orderId;
}

if (mode === 'once') {
  recordSale();
  setInterval(() => undefined, 1000);
} else {
  for (;;) recordSale();
}
