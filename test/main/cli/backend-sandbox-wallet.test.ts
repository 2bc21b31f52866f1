/**
 * Issue #8, hole 4, as a new user meets it: the terminal's embedded sandbox (`backend.url:
 * sandbox`) writes its sandbox key into the data directory, and `terminal wallet pay "<qr>"` finds
 * it there with no extra flag (README "Selling on one machine"). A wrong key, a missing key and a
 * balance above the sandbox's bound are refused with a message naming the problem.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTerminalCore, type RunningTerminal } from '../../../main/app/start-terminal.js';
import type { CommandResult, PaymentView } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { runTerminalCli } from '../../support/run-terminal-cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wallet-cli-'));
const env = { ...process.env, TERMINAL_DATA_DIR: dataDir };
let terminal: RunningTerminal;
let sandboxUrl = '';

async function call<T>(name: string, input: unknown): Promise<T> {
  const result: CommandResult<unknown> = await dispatchCommand(terminal.core.handlers, name, input, { transport: 'test' }, createSilentLogger());
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

async function newQrSale(): Promise<string> {
  const { sessionId } = await call<{ sessionId: string }>('auth.login', { userId: 'cashier', pin: '1111' });
  const sale = await call<{ payment: PaymentView }>('sale.startPayment', { sessionId, lines: [{ productId: 'cola', quantity: 1 }], method: 'qr' });
  return sale.payment.qrContent ?? '';
}

beforeAll(async () => {
  writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify({ backend: { url: 'sandbox', sandboxPort: 0 } }));
  terminal = await startTerminalCore({ dataDir });
  sandboxUrl = terminal.sandboxUrl ?? '';
}, 60_000);
afterAll(async () => {
  await terminal.stop();
});

describe('terminal wallet against the embedded sandbox', { timeout: 120_000 }, () => {
  it('pays with the key the sandbox keeps in the data directory (0600), with no key flag', async () => {
    expect(statSync(join(dataDir, 'sandbox-access.key')).mode & 0o777).toBe(0o600);
    const qr = await newQrSale();
    const paid = await runTerminalCli(['wallet', 'pay', qr, '--backend', sandboxUrl], { env });
    expect(paid.stderr).toBe('');
    expect(paid).toMatchObject({ code: 0, stdout: expect.stringMatching(/^paid ￥4\.50 to /) });
  });

  it('is refused with a wrong key or none, naming the sandbox key; the QR stays unpaid', async () => {
    const qr = await newQrSale();
    const wrongKey = join(mkdtempSync(join(tmpdir(), 'wallet-wrong-')), 'key');
    writeFileSync(wrongKey, `${'A'.repeat(43)}\n`, { mode: 0o600 });
    const emptyDataDir = mkdtempSync(join(tmpdir(), 'wallet-none-'));
    const [wrong, missing] = await Promise.all([
      runTerminalCli(['wallet', 'pay', qr, '--backend', sandboxUrl, '--sandbox-key', wrongKey], { env }),
      runTerminalCli(['wallet', 'pay', qr, '--backend', sandboxUrl], { env: { ...process.env, TERMINAL_DATA_DIR: emptyDataDir } }),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: the sandbox endpoints need the sandbox key/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no sandbox key at ${join(emptyDataDir, 'sandbox-access.key')}`);
    const paidNow = await runTerminalCli(['wallet', 'pay', qr, '--backend', sandboxUrl], { env });
    expect(paidNow.stdout).toMatch(/^paid /);
  });

  it('refuses a code balance above ￥100,000.00 (exit 2), and issues one at the bound', async () => {
    const [tooRich, atBound] = await Promise.all([
      runTerminalCli(['wallet', 'code', '--backend', sandboxUrl, '--balance', '9000000000000.00'], { env }),
      runTerminalCli(['wallet', 'code', '--backend', sandboxUrl, '--balance', '100000.00'], { env }),
    ]);
    expect(tooRich.code).toBe(2);
    expect(tooRich.stderr).toContain('at most 100000.00');
    expect(atBound).toMatchObject({ code: 0, stdout: expect.stringMatching(/^28\d{16}\n$/) });
  });
});
