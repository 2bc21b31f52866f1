/**
 * Test child for the crash test: a terminal's payment side against a real backend that first
 * resolves what the previous (killed) run left open, as a starting terminal does, then sells in
 * a loop (cash, customer code, merchant QR paid through the sandbox wallet) while its sync client
 * uploads. Prints `ready` once resolved and `sold <state>` after each sale. The parent kills it
 * with SIGKILL at a moment its seeded schedule picks; the sale amounts come from SEED.
 *
 * argv: JOURNAL_FILE BACKEND_URL SEED; env CRASH_CREDENTIALS = JSON { terminalId, terminalSecret },
 * CRASH_SANDBOX_KEY = the backend's sandbox key.
 */
import { randomUUID } from 'node:crypto';
import { parseSeed, SeededRandom } from './seeded-random.js';
import { startTerminalUnderTest } from './terminal-under-test.js';

const [journalFile, baseUrl, seedText] = process.argv.slice(2);
if (!journalFile || !baseUrl || seedText === undefined) throw new Error('usage: crashing-terminal-child JOURNAL_FILE BACKEND_URL SEED');
const random = new SeededRandom(parseSeed(seedText, 'SEED'));
const credentials = JSON.parse(process.env.CRASH_CREDENTIALS ?? '{}') as { terminalId: string; terminalSecret: string };
const terminal = startTerminalUnderTest({ journalFile, baseUrl, credentials });
// The flows' timers are unref'd (they never keep a CLI alive); this process lives until killed.
setInterval(() => undefined, 1 << 30);

async function sandbox<T>(path: string, body: object): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), { method: 'POST', headers: { 'content-type': 'application/json', 'x-sandbox-key': process.env.CRASH_SANDBOX_KEY ?? '' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

await terminal.payments.resolveOpenIntents();
const cashier = (await terminal.sessions.login('cashier', '1111')).sessionId;
process.stdout.write('ready\n');
const methods = ['cash', 'code', 'qr'] as const;
for (let index = 0; ; index += 1) {
  const method = methods[index % 3] ?? 'cash';
  const order = { id: randomUUID(), terminalId: credentials.terminalId, mode: 'counter' as const, userId: null, lines: [], totalMinor: random.integer(100, 149), currency: 'CNY' as const };
  const code = method === 'code' ? (await sandbox<{ code: string }>('/sandbox/wallet/codes', { balanceMinor: 1_000_000 })).code : undefined;
  const started =
    method === 'cash'
      ? terminal.payments.payCash({ sessionId: cashier, order, tenderedMinor: order.totalMinor })
      : await terminal.payments.startPayment({ order, method, code, description: `crash sale ${index}` });
  if (started.payment.qrContent) await sandbox('/sandbox/wallet/pay', { qrContent: started.payment.qrContent });
  process.stdout.write(`sold ${started.payment.state}\n`);
}
