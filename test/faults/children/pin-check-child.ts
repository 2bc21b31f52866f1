/**
 * Child for pin-check-crash.test.ts: reserves one login attempt for "cashier" on JOURNAL_FILE and
 * is killed while the scrypt check is still waiting. The parent runs it with
 * UV_THREADPOOL_SIZE=1 and passes FIFO_FILE, a named pipe nobody writes: opening it occupies the
 * only libuv worker, so scrypt (which runs on that pool) never starts. Prints `reserved` once the
 * login call has returned its promise (the reservation is synchronous) and then waits to be killed.
 *
 * argv: JOURNAL_FILE FIFO_FILE PIN_HASH
 */
import { open } from 'node:fs/promises';
import { OperatorSessions } from '../../../main/auth/operator-sessions.js';
import { Journal } from '../../../sync/store/journal.js';

const [journalFile, fifoFile, pinHash] = process.argv.slice(2);
if (!journalFile || !fifoFile || !pinHash) throw new Error('usage: pin-check-child JOURNAL_FILE FIFO_FILE PIN_HASH');
const journal = Journal.open(journalFile);
const sessions = new OperatorSessions([{ id: 'cashier', name: 'Cashier', role: 'cashier', pinHash }], journal, { nowMs: () => Date.now() }, { maxAttempts: 3, lockoutMs: 300_000 });
void open(fifoFile, 'r');
sessions.login('cashier', '0000').then(
  () => process.stdout.write('session\n'),
  (error: unknown) => process.stdout.write(`checked ${String(error)}\n`),
);
process.stdout.write('reserved\n');
setInterval(() => undefined, 1 << 30);
