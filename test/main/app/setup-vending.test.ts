import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTerminalCore, type RunningTerminal } from '../../../main/app/start-terminal.js';
import type { CatalogView, CommandResult, VendStatusView } from '../../../main/contract/contract.js';
import { dispatchCommand } from '../../../main/core/command-dispatcher.js';
import { createSilentLogger } from '../../../main/logging/logger.js';
import { demoUsers } from '../../../main/config/demo-data.js';

const running: RunningTerminal[] = [];
afterEach(async () => {
  for (const terminal of running.splice(0)) await terminal.stop();
});

/** A kiosk with a remote backend it is not enrolled with (no sandbox): vending wired, wallet payments unavailable. */
async function kiosk(boardUri: string): Promise<RunningTerminal> {
  const dataDir = mkdtempSync(join(tmpdir(), 'setup-vending-'));
  const configFile = join(dataDir, 'config.yaml');
  writeFileSync(configFile, JSON.stringify({ terminal: { mode: 'kiosk' }, backend: { url: 'http://127.0.0.1:9' }, devices: { vendingBoard: boardUri }, users: demoUsers }));
  const terminal = await startTerminalCore({ dataDir, configFile });
  running.push(terminal);
  return terminal;
}

function call(terminal: RunningTerminal, name: string, input: unknown): Promise<CommandResult<unknown>> {
  return dispatchCommand(terminal.core.handlers, name, input, { transport: 'test' }, createSilentLogger());
}

describe('setupVending (composition root, kiosk mode)', () => {
  it('drives sim:board in-process, seeds live stock from the planogram and becomes ready', async () => {
    const terminal = await kiosk('sim:board');
    await expect
      .poll(async () => {
        const status = await call(terminal, 'kiosk.vendStatus', {});
        return status.ok ? (status.value as VendStatusView).kiosk.state : status.error.code;
      })
      .toBe('ready');
    expect([...terminal.journal.slotStock()]).toEqual([
      [1, 8],
      [2, 10],
      [3, 12],
      [4, 0],
      [5, 3],
      [6, 5],
    ]);
    const catalog = await call(terminal, 'catalog.get', {});
    expect(catalog.ok && (catalog.value as CatalogView).slots.map((slot) => slot.sellable)).toEqual([true, true, true, false, true, true]);
    // Not enrolled: the QR cannot start, so nothing is selected.
    const purchase = await call(terminal, 'kiosk.purchase', { slot: 1 });
    expect(purchase.ok ? null : purchase.error.code).toBe('unavailable');
    expect(terminal.journal.openIntents()).toEqual([]);
  });

  it('leaves the kiosk without vending (unavailable) for a device that is not a dispense board', async () => {
    const terminal = await kiosk('sim:relay');
    const purchase = await call(terminal, 'kiosk.purchase', { slot: 1 });
    expect(purchase.ok ? null : purchase.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('vending is not set up') });
  });
});
