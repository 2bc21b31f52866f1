/**
 * A kiosk on real parts and a fake clock: a journal file, the SQLite vend state store on it, a
 * dispense board machine talking to the board simulator over a memory link, the payment service
 * on a fake payment backend, and the vend service. `restart()` closes the terminal side and opens
 * it again on the same journal file, board and backend (a power cut of the terminal only).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DispenseBoardSimulator, type BoardFault } from '../../hardware/simulators/dispense-board-simulator.js';
import { createMemoryLink, type MemoryLink } from '../../hardware/transports/memory-transport.js';
import { DispenseBoardMachine } from '../../hardware/vending/dispense-board-machine.js';
import type { TerminalConfig } from '../../main/config/config-schema.js';
import { OperatorSessions } from '../../main/auth/operator-sessions.js';
import { defaultConfig } from '../../main/config/load-config.js';
import type { PaymentView, VendStatusView } from '../../main/contract/contract.js';
import { createSilentLogger } from '../../main/logging/logger.js';
import { PaymentService } from '../../main/payments/payment-service.js';
import { VendService } from '../../main/vending/vend-service.js';
import { Journal } from '../../sync/store/journal.js';
import { SqliteVendStateStore } from '../../sync/store/vend-state-store.js';
import { FakeClock } from './fake-clock.js';
import { FakePaymentBackend } from './fake-payment-backend.js';

export interface KioskRigOptions {
  readonly journalFile?: string;
  readonly clock?: FakeClock;
  readonly backend?: FakePaymentBackend;
  readonly board?: { readonly simulator: DispenseBoardSimulator; readonly link: MemoryLink };
  readonly fault?: BoardFault;
  readonly maxFailuresInARow?: number;
  readonly config?: TerminalConfig;
  /** Ids handed out in order before random ones (order id, vend id, refund id, …). */
  readonly ids?: string[];
  /** Wire payment and vend events somewhere else too (the core). */
  readonly onPaymentChanged?: (view: PaymentView) => void;
  readonly onVendChanged?: (status: VendStatusView) => void;
}

export interface KioskRig {
  readonly clock: FakeClock;
  readonly journal: Journal;
  readonly journalFile: string;
  readonly store: SqliteVendStateStore;
  readonly board: DispenseBoardSimulator;
  readonly link: MemoryLink;
  readonly machine: DispenseBoardMachine;
  readonly backend: FakePaymentBackend;
  readonly payments: PaymentService;
  readonly vending: VendService;
  readonly config: TerminalConfig;
  readonly vendEvents: VendStatusView[];
  /** Closes the terminal side and starts it again on the same file, board and backend. */
  restart(options?: Pick<KioskRigOptions, 'ids'>): Promise<KioskRig>;
  close(): Promise<void>;
}

export async function createKioskRig(options: KioskRigOptions = {}): Promise<KioskRig> {
  const clock = options.clock ?? new FakeClock();
  const logger = createSilentLogger();
  const config = options.config ?? defaultConfig();
  const journalFile = options.journalFile ?? join(mkdtempSync(join(tmpdir(), 'kiosk-')), 'journal.sqlite');
  const journal = Journal.open(journalFile, { nowMs: () => clock.nowMs() });
  const store = SqliteVendStateStore.open(journalFile);
  const backend = options.backend ?? new FakePaymentBackend();
  let board = options.board;
  if (!board) {
    const link = createMemoryLink({ description: 'sim:board' });
    const simulator = new DispenseBoardSimulator({ transport: link.device, timers: clock, motorMs: 1500, fault: options.fault ?? 'none' });
    await simulator.start();
    board = { simulator, link };
  }
  await board.link.host.open();
  const machine = new DispenseBoardMachine({ machineId: 'vending-board', transport: board.link.host, store, clock, timers: clock, maxFailuresInARow: options.maxFailuresInARow ?? 3 });

  const paymentListeners = new Set<(view: PaymentView) => void>();
  const payments = new PaymentService({
    journal,
    sessions: new OperatorSessions(config.users, journal, clock, { maxAttempts: config.security.pinMaxAttempts, lockoutMs: config.security.pinLockoutSeconds * 1000 }),
    backend,
    clock,
    timers: clock,
    logger,
    connectivity: () => 'online',
    onPaymentChanged: (view) => {
      options.onPaymentChanged?.(view);
      for (const listener of [...paymentListeners]) listener(view);
    },
  });
  const ids = [...(options.ids ?? [])];
  const vendEvents: VendStatusView[] = [];
  const vending = new VendService({
    journal,
    payments,
    onPaymentChanged: (listener) => {
      paymentListeners.add(listener);
      return () => paymentListeners.delete(listener);
    },
    machine,
    deviceVends: store,
    catalog: config.catalog,
    planogram: config.planogram,
    terminalId: config.terminal.id,
    clock,
    timers: clock,
    logger,
    onVendChanged: (status) => {
      vendEvents.push(status);
      options.onVendChanged?.(status);
    },
    newId: () => ids.shift() ?? randomUUID(),
  });
  const simulatorAndLink = board;
  const close = async () => {
    await vending.stop();
    await payments.stop();
    await machine.close();
    store.close();
    journal.close();
  };
  return {
    clock,
    journal,
    journalFile,
    store,
    board: simulatorAndLink.simulator,
    link: simulatorAndLink.link,
    machine,
    backend,
    payments,
    vending,
    config,
    vendEvents,
    close,
    async restart(restartOptions = {}) {
      await close();
      return createKioskRig({ ...options, ...restartOptions, journalFile, clock, backend, board: simulatorAndLink });
    },
  };
}

/** Advances the fake clock in small steps until CONDITION holds (at most MAXMS of fake time); fails the test otherwise. */
export async function advanceUntil(clock: FakeClock, condition: () => boolean, maxMs = 120_000): Promise<void> {
  if (!(await clock.advanceUntil(condition, maxMs, 100))) throw new Error(`condition not met within ${maxMs} ms of fake time`);
}
