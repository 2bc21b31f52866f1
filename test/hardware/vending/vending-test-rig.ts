/** Test rig: a dispense board machine and its simulator on one memory link and one fake clock. */
import { DispenseBoardSimulator, type BoardFault } from '../../../hardware/simulators/dispense-board-simulator.js';
import { createMemoryLink, type MemoryLink } from '../../../hardware/transports/memory-transport.js';
import { DispenseBoardMachine } from '../../../hardware/vending/dispense-board-machine.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import type { VendStateStore } from '../../../hardware/vending/vend-state-store.js';
import { FakeClock } from '../../support/fake-clock.js';

export interface BoardRig {
  readonly clock: FakeClock;
  readonly link: MemoryLink;
  readonly store: VendStateStore;
  readonly board: DispenseBoardSimulator;
  readonly machine: DispenseBoardMachine;
  readonly log: string[];
}

export async function boardRig(options: { fault?: BoardFault; store?: VendStateStore; maxFailuresInARow?: number } = {}): Promise<BoardRig> {
  const clock = new FakeClock();
  const link = createMemoryLink({ description: 'sim:board' });
  const store = options.store ?? new MemoryVendStateStore();
  const log: string[] = [];
  const board = new DispenseBoardSimulator({ transport: link.device, timers: clock, motorMs: 1500, fault: options.fault ?? 'none', log: (line) => log.push(`board: ${line}`) });
  await board.start();
  await link.host.open();
  const machine = new DispenseBoardMachine({
    machineId: 'board-1',
    transport: link.host,
    store,
    clock,
    timers: clock,
    maxFailuresInARow: options.maxFailuresInARow ?? 3,
    log: (line) => log.push(`host: ${line}`),
  });
  return { clock, link, store, board, machine, log };
}

/** Runs PROMISE to completion on the fake clock (at most MAXMS of fake time). */
export async function settle<T>(clock: FakeClock, promise: Promise<T>, maxMs = 120_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let failure: unknown;
  promise.then(
    (result) => {
      done = true;
      value = result;
    },
    (error: unknown) => {
      done = true;
      failure = error ?? new Error('rejected');
    },
  );
  const held = await clock.advanceUntil(() => done, maxMs, 100);
  if (!held) throw new Error(`did not settle within ${maxMs} ms of fake time`);
  if (failure !== undefined) throw failure;
  return value as T;
}
