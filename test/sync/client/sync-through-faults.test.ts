/**
 * Integration: a terminal's payments and sync against the REAL backend on loopback, through a
 * fault-injecting proxy (refuse, 500, timeout, drop after commit, duplicate delivery, truncated
 * answers). Afterwards the terminal's and the backend's databases must agree exactly:
 * 0 lost and 0 duplicated sales.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../../../backend/start-backend.js';
import { enrollTerminal } from '../../../sync/client/enroll-terminal.js';
import type { StoredIdentity } from '../../../sync/client/terminal-credential-store.js';
import { TerminalCredentialStore } from '../../../sync/client/terminal-credential-store.js';
import { FaultProxy, type Fault } from '../../support/fault-proxy.js';
import { compareTerminalAndBackend } from '../../support/terminal-backend-comparison.js';
import { startTerminalUnderTest, type TerminalUnderTest } from '../../support/terminal-under-test.js';

/** Deterministic PRNG (mulberry32) so a failing schedule can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let backend: RunningBackend;
let proxy: FaultProxy;
let identity: StoredIdentity;
let terminal: TerminalUnderTest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-faults-'));
  backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), port: 0, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') }, logError: () => undefined });
  proxy = await FaultProxy.start(backend.url);
  const { code } = backend.registry.issueEnrollmentCode('Fault test');
  mkdirSync(join(dir, 'terminal'));
  identity = await enrollTerminal({ backendUrl: proxy.url, code, store: new TerminalCredentialStore(join(dir, 'terminal')), nowMs: Date.now() });
  terminal = startTerminalUnderTest({ journalFile: join(dir, 'terminal', 'journal.sqlite'), baseUrl: proxy.url, credentials: identity });
}, 60_000);

afterAll(async () => {
  await terminal?.stop();
  await proxy?.close();
  await backend?.close();
});

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sales and sync through a faulty network to the real backend', () => {
  it('loses and duplicates nothing: terminal and backend databases agree exactly', async () => {
    const seed = Number(process.env.FAULT_SEED ?? 20261125);
    const random = seededRandom(seed);
    const faults: Fault[] = ['refuse', '500', 'timeout', 'drop-after-commit', 'duplicate', 'truncate'];
    let faulted = 0;
    proxy.schedule = (_method, path) => {
      if (path.startsWith('/v1/events')) return 'pass';
      if (random() >= 0.35) return 'pass';
      // Rotate through the faults so each one is exercised whatever the request count.
      return faults[faulted++ % faults.length] ?? 'pass';
    };
    const sandbox = backend.sandbox;
    if (!sandbox) throw new Error('the sandbox wallet is off');
    const methods = ['cash', 'code', 'qr'] as const;
    const cashier = (await terminal.sessions.login('cashier', '1111')).sessionId;
    for (let index = 0; index < 24; index += 1) {
      const method = methods[index % 3] ?? 'cash';
      const amountMinor = 100 + index * 37;
      const order = { id: randomUUID(), terminalId: identity.terminalId, mode: 'counter' as const, userId: null, lines: [], totalMinor: amountMinor, currency: 'CNY' as const };
      const code = method === 'code' ? sandbox.issueCustomerCode({ balanceMinor: 1_000_000 }).code : undefined;
      let started;
      try {
        started =
          method === 'cash'
            ? terminal.payments.payCash({ sessionId: cashier, order, tenderedMinor: amountMinor })
            : await terminal.payments.startPayment({ order, method, code, description: `sale ${index}` });
      } catch (error) {
        // `unavailable` (nothing charged) is a legitimate answer to a refused connection.
        expect((error as Error).name).toBe('PaymentServiceError');
        continue;
      }
      if (method === 'qr' && started.payment.qrContent) {
        expect(sandbox.walletPays({ qrContent: started.payment.qrContent })).not.toHaveProperty('error');
      }
    }
    await waitFor(() => terminal.journal.openIntents().length === 0, 90_000, 'every payment to be final');
    proxy.schedule = () => 'pass';
    await waitFor(() => terminal.journal.outboxStats().depth === 0, 30_000, 'the outbox to drain');
    await terminal.sync.syncNow();

    const applied = new Set(proxy.applied.map((entry) => entry.fault));
    for (const fault of faults) expect(applied, `fault ${fault} was exercised`).toContain(fault);

    const comparison = compareTerminalAndBackend(terminal.journal, backend.db, identity.terminalId);
    expect(comparison.problems, `fault schedule seed ${seed} (replay with FAULT_SEED=${seed})`).toEqual([]);
    expect(comparison.terminalOrders).toBe(24);
    expect(comparison.paidWalletPayments).toBeGreaterThan(0);
    expect(terminal.journal.outboxStats().deadLetters).toBe(0);
  }, 180_000);
});
