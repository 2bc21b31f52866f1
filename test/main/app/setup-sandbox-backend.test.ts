import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTerminalCore, type RunningTerminal } from '../../../main/app/start-terminal.js';
import type { CommandResult, PaymentView } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { startBackend } from '../../../backend/start-backend.js';
import { enrollTerminal } from '../../../sync/client/enroll-terminal.js';
import { TerminalCredentialStore } from '../../../sync/client/terminal-credential-store.js';
import { sandboxWalletFor } from '../../support/sandbox-wallet.js';

const running: RunningTerminal[] = [];
afterEach(async () => {
  for (const terminal of running.splice(0)) await terminal.stop();
});

async function start(dataDir: string): Promise<RunningTerminal> {
  const terminal = await startTerminalCore({ dataDir });
  running.push(terminal);
  return terminal;
}

async function call<T>(terminal: RunningTerminal, name: string, input: unknown): Promise<T> {
  const result: CommandResult<unknown> = await dispatchCommand(terminal.core.handlers, name, input, { transport: 'test' }, createSilentLogger());
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

async function waitForState(terminal: RunningTerminal, paymentIntentId: string, wanted: string): Promise<PaymentView> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const view = await call<PaymentView>(terminal, 'payment.status', { paymentIntentId });
    if (view.state === wanted) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`payment ${paymentIntentId} never reached ${wanted}`);
}

describe('embedded sandbox backend (backend.url: sandbox)', () => {
  it('starts with the terminal, enrolls it, and takes a QR sale that the sandbox wallet pays', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const terminal = await start(dataDir);
    expect(terminal.sandboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(readFileSync(join(dataDir, 'runtime', 'sandbox-backend.json'), 'utf8'))).toMatchObject({ url: terminal.sandboxUrl });
    const { sessionId } = await call<{ sessionId: string }>(terminal, 'auth.login', { userId: 'cashier', pin: '1111' });
    const sale = await call<{ payment: PaymentView }>(terminal, 'sale.startPayment', { sessionId, lines: [{ productId: 'cola', quantity: 2 }], method: 'qr' });
    expect(sale.payment).toMatchObject({ method: 'qr', state: 'awaiting', amountMinor: 900 });
    expect(sale.payment.qrContent).toMatch(/^000201010212/);
    const paid = await sandboxWalletFor(terminal.sandboxUrl!, dataDir).payQr({ qrContent: sale.payment.qrContent!, behaviour: 'pay' });
    expect(paid).toMatchObject({ outcome: 'paid' });
    await waitForState(terminal, sale.payment.paymentIntentId, 'paid');
  });

  it('keeps the same identity across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-restart-'));
    const first = await start(dataDir);
    const identityBefore = new TerminalCredentialStore(dataDir).load();
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start(dataDir);
    expect(second.sandboxUrl).toBeDefined();
    expect(new TerminalCredentialStore(dataDir).load()?.terminalId).toBe(identityBefore?.terminalId);
  });

  it('stays off for a terminal enrolled with another backend, which it keeps using', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-external-'));
    const external = await startBackend({ dbFile: join(dataDir, 'external.sqlite'), port: 0, sandbox: { walletKeyFile: join(dataDir, 'external-wallet.key') }, logError: () => undefined });
    try {
      const { code } = external.registry.issueEnrollmentCode('Counter 9');
      const store = new TerminalCredentialStore(dataDir);
      await enrollTerminal({ backendUrl: external.url, code, store, nowMs: Date.now() });
      const terminal = await start(dataDir);
      expect(terminal.sandboxUrl).toBeUndefined();
      expect(store.load()?.backendUrl).toBe(external.url);
    } finally {
      await external.close();
    }
  });
});
