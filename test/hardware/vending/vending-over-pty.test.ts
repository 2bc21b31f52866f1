/**
 * Integration over socat pseudo-terminal pairs with the real serialport binding: the simulators
 * open the device end, the vending machines the host end, exactly as with a USB-serial cable.
 * Real timers with short device timeouts; no assertion depends on how long anything took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../kernel/clock.js';
import type { Timers } from '../../../kernel/timers.js';
import { DispenseBoardSimulator, type BoardFault } from '../../../hardware/simulators/dispense-board-simulator.js';
import { MdbVmcSimulator, type VmcFault } from '../../../hardware/simulators/mdb-vmc-simulator.js';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';
import { DispenseBoardMachine } from '../../../hardware/vending/dispense-board-machine.js';
import { MdbCashlessMachine, type MdbVendRequested } from '../../../hardware/vending/mdb-cashless-machine.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import type { VendStateStore } from '../../../hardware/vending/vend-state-store.js';
import { Journal } from '../../../sync/store/journal.js';
import { SqliteVendStateStore } from '../../../sync/store/vend-state-store.js';

const timers: Timers = {
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
  monotonicNowMs: () => performance.now(),
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitFor(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function ptyPair(): Promise<PtyPair> {
  const pair = await createPtyPair();
  cleanups.push(() => pair.close());
  return pair;
}

async function openSerial(path: string, baudRate = 9600): Promise<SerialTransport> {
  const transport = new SerialTransport({ path, baudRate });
  await transport.open();
  cleanups.push(() => transport.close());
  return transport;
}

async function boardOnPty(fault: BoardFault) {
  const pair = await ptyPair();
  const board = new DispenseBoardSimulator({ transport: await openSerial(pair.devicePath), timers, motorMs: 300, fault });
  await board.start();
  return { pair, board };
}

function boardMachine(transport: SerialTransport, store: VendStateStore): DispenseBoardMachine {
  return new DispenseBoardMachine({ machineId: 'board-1', transport, store, clock: systemClock, timers, ackTimeoutMs: 500, vendTimeoutMs: 5000, statusTimeoutMs: 500, statusAttempts: 5, inProgressPollMs: 200 });
}

function tempJournal(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vend-pty-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, 'journal.sqlite');
  Journal.open(file).close();
  return file;
}

describe('dispense board over a PTY (real serialport)', () => {
  it('a board that jams → not-dispensed', async () => {
    const { pair, board } = await boardOnPty('jam');
    const machine = boardMachine(await openSerial(pair.hostPath), new MemoryVendStateStore());
    const outcome = await machine.vend({ vendId: 'jam-1', slot: 4, priceMinor: 300 });
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'jam', slot: 4 });
    expect(board.totalDrops).toBe(0);
  }, 60_000);

  it('a board that goes silent mid-vend → unknown, resolved by STATUS-OF with the same sequence number: exactly one dispense', async () => {
    const { pair, board } = await boardOnPty('silence');
    const store = new MemoryVendStateStore();
    const machine = boardMachine(await openSerial(pair.hostPath), store);
    const outcome = await machine.vend({ vendId: 'silent-1', slot: 9, priceMinor: 300 });
    expect(outcome).toEqual({ kind: 'dispensed', vendId: 'silent-1', slot: 9, confirmedBy: 'drop-sensor' });
    expect(board.totalDrops).toBe(1);
    const sequence = store.findDirectVend('silent-1')?.sequence;
    expect(board.received.filter((message) => message.type === 'vend')).toEqual([{ type: 'vend', seq: sequence, slot: 9 }]);
    const queries = board.received.filter((message) => message.type === 'status-of');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries).toEqual(queries.map(() => ({ type: 'status-of', seq: sequence })));
  }, 60_000);

  it('a restart mid-vend is resolved from the SQLite store: one drop, no second VEND', async () => {
    const file = tempJournal();
    const { pair, board } = await boardOnPty('silence');
    const firstStore = SqliteVendStateStore.open(file);
    const firstHost = new SerialTransport({ path: pair.hostPath, baudRate: 9600 });
    await firstHost.open();
    const first = boardMachine(firstHost, firstStore);
    const dying = first.vend({ vendId: 'crash-1', slot: 2, priceMinor: 450 });
    await waitFor(() => firstStore.findDirectVend('crash-1')?.state === 'dispensing', 'the VEND to be sent');
    await first.close(); // the kiosk dies mid-vend: no answer was read
    await dying;
    firstStore.close();
    await waitFor(() => board.totalDrops === 1, 'the board to finish the vend');
    board.setFault('none');

    const store = SqliteVendStateStore.open(file);
    cleanups.push(() => store.close());
    expect(store.openDirectVends('board-1')).toEqual([expect.objectContaining({ vendId: 'crash-1', sequence: 1 })]);
    const restarted = boardMachine(await openSerial(pair.hostPath), store);
    expect(await restarted.resolvePending()).toEqual([{ kind: 'dispensed', vendId: 'crash-1', slot: 2, confirmedBy: 'drop-sensor' }]);
    expect(store.findDirectVend('crash-1')?.state).toBe('dispensed');
    expect(board.totalDrops).toBe(1);
    expect(board.received.filter((message) => message.type === 'vend')).toHaveLength(1);
  }, 60_000);
});

async function mdbOnPty(fault: VmcFault, store: VendStateStore, newId: () => string) {
  const pair = await ptyPair();
  const vmc = new MdbVmcSimulator({ transport: await openSerial(pair.devicePath, 115200), timers, fault, setupStepMs: 50, dispenseMs: 200, giveUpAfterMs: 20_000 });
  await vmc.start();
  const { machine, requests } = await startMdbMachine(pair.hostPath, store, newId);
  return { pair, vmc, machine, requests };
}

async function startMdbMachine(hostPath: string, store: VendStateStore, newId: () => string) {
  const machine = new MdbCashlessMachine({ adapterId: 'mdb-1', transport: await openSerial(hostPath, 115200), store, clock: systemClock, timers, newId, resultTimeoutMs: 5000 });
  const requests: MdbVendRequested[] = [];
  machine.onVendRequested((request) => requests.push(request));
  const resolved = await machine.start();
  await waitFor(() => machine.readerState() === 'enabled', 'the reader to be enabled');
  return { machine, requests, resolved };
}

describe('MDB cashless over a PTY (real serialport)', () => {
  it('vend success: the VMC gets C,1 then C,VEND,<amount>, and reports VEND SUCCESS', async () => {
    const { vmc, machine, requests } = await mdbOnPty('none', new MemoryVendStateStore(), () => 'ok-1');
    expect(vmc.selectProduct(5, 1250)).toBe(true);
    await waitFor(() => requests.length === 1, 'the vend request');
    expect(requests[0]).toEqual({ vendId: 'ok-1', item: 5, priceMinor: 1250 });
    expect(await machine.approve('ok-1')).toEqual({ kind: 'dispensed', vendId: 'ok-1', slot: 5, confirmedBy: 'vmc' });
    expect(vmc.received).toEqual(['C,1', 'C,VEND,12.50']);
    expect(vmc.sessions[0]?.result).toBe('dispensed');
  }, 60_000);

  it('vend failure: deny sends C,VEND,-1; a failed vend after approval is not-dispensed (refund)', async () => {
    const { vmc, machine, requests } = await mdbOnPty('vend-fail', new MemoryVendStateStore(), (() => {
      let next = 0;
      return () => `fail-${++next}`;
    })());
    vmc.selectProduct(5, 300);
    await waitFor(() => requests.length === 1, 'the first vend request');
    await machine.deny('fail-1', 'payment expired');
    await waitFor(() => vmc.sessions[0]?.result === 'denied', 'the VMC to see the deny');
    expect(vmc.received).toEqual(['C,1', 'C,VEND,-1']);

    vmc.selectProduct(6, 300);
    await waitFor(() => requests.length === 2, 'the second vend request');
    const outcome = await machine.approve('fail-2');
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'vend-failed', slot: 6 });
    expect(vmc.received).toEqual(['C,1', 'C,VEND,-1', 'C,VEND,3.00']);
    expect(vmc.sessions.map((session) => session.result)).toEqual(['denied', 'failed']);
  }, 60_000);

  it('restart mid-session with the SQLite store: a payment completing after the restart is refunded, never approved', async () => {
    const file = tempJournal();
    const firstStore = SqliteVendStateStore.open(file);
    const { pair, vmc, machine, requests } = await mdbOnPty('none', firstStore, () => 'before-crash');
    vmc.selectProduct(3, 500);
    await waitFor(() => requests.length === 1, 'the vend request');
    expect(firstStore.findMdbVend('before-crash')?.state).toBe('vend-requested');
    await machine.close(); // the kiosk dies while the customer is paying
    firstStore.close();

    const store = SqliteVendStateStore.open(file);
    cleanups.push(() => store.close());
    const restarted = await startMdbMachine(pair.hostPath, store, () => 'after-restart');
    expect(store.findMdbVend('before-crash')?.state).toBe('vmc-gave-up');
    // The payment for the old session completes now: the VMC gave up, so refund.
    expect(await restarted.machine.approve('before-crash')).toMatchObject({ kind: 'not-dispensed', reason: 'vmc-gave-up' });
    expect(vmc.received).toEqual(['C,1', 'C,1']);
    expect(vmc.sessions.map((session) => session.result)).toEqual(['gave-up']);
  }, 60_000);
});
