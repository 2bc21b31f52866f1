/**
 * Builds the kiosk's vending for a starting terminal (kiosk mode), before the core: the dispense
 * board named by `devices.vendingBoard` (`sim:board` by default: the in-process simulator), its
 * durable state on the journal file, and the vend service on the terminal's event hub; then
 * starts the resolution of vends a previous run left open (docs/principles.md#resolve-before-selling). The kiosk
 * refuses selections until it is done. The core is handed the vend service this returns.
 *
 * A board that cannot be opened, or a URI that is not a dispense board, leaves the kiosk without
 * vending: its commands answer `unavailable` and the log says why; the terminal still starts.
 */
import type { Logger } from 'pino';
import { attachVendingSimulator } from '../../hardware/simulators/attach-vending-simulator.js';
import { parseDeviceUri } from '../../hardware/transports/device-uri.js';
import { openTransport } from '../../hardware/transports/open-transport.js';
import { DispenseBoardMachine } from '../../hardware/vending/dispense-board-machine.js';
import type { Journal } from '../../sync/store/journal.js';
import { SqliteVendStateStore } from '../../sync/store/vend-state-store.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { TerminalEvents } from '../core/terminal-events.js';
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import type { PaymentService } from '../payments/payment-service.js';
import { VendService } from '../vending/vend-service.js';

/** The board's id in the vend state tables (sequence numbers, slot health). */
export const kioskBoardMachineId = 'vending-board';

export interface VendingSetupOptions {
  readonly config: TerminalConfig;
  readonly journal: Journal;
  readonly events: TerminalEvents;
  readonly payments: PaymentService;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
}

export interface VendingSetup {
  readonly vending: VendService | undefined;
  /** Resolves when the start-up resolution is done (at once without vending). */
  readonly resolution: Promise<void>;
  stop(): Promise<void>;
}

export async function setupVending(options: VendingSetupOptions): Promise<VendingSetup> {
  const { config, journal, events, payments, clock, timers, logger } = options;
  const uriText = config.devices.vendingBoard ?? 'sim:board';
  const uri = parseDeviceUri(uriText);
  if (uri.scheme === 'sim' && uri.kind !== 'board') {
    logger.error({ uri: uriText }, 'the kiosk sells through a dispense board; sim:relay and sim:mdb are not wired to the kiosk flow: vending unavailable');
    return { vending: undefined, resolution: Promise.resolve(), stop: async () => undefined };
  }

  const store = SqliteVendStateStore.open(journal.file);
  let machine: DispenseBoardMachine;
  try {
    const transport = await openTransport(uri, {
      attachSimulator: (simUri, link) => {
        attachVendingSimulator(simUri, link, { timers, clock, log: (line) => logger.debug({ device: 'sim:board' }, line) });
      },
    });
    machine = new DispenseBoardMachine({ machineId: kioskBoardMachineId, transport, store, clock, timers, log: (line) => logger.debug({ device: uriText }, line) });
  } catch (error) {
    store.close();
    logger.error({ err: error, uri: uriText }, 'the vending board cannot be opened: the kiosk does not sell until it is fixed and the terminal restarted');
    return { vending: undefined, resolution: Promise.resolve(), stop: async () => undefined };
  }

  const vending = new VendService({
    journal,
    payments,
    onPaymentChanged: (listener) =>
      events.subscribe((event) => {
        if (event.name === 'payment.changed') listener(event.payload);
      }),
    machine,
    deviceVends: store,
    catalog: config.catalog,
    planogram: config.planogram,
    terminalId: config.terminal.id,
    clock,
    timers,
    logger,
    onVendChanged: (status) => events.publish({ name: 'vend.changed', payload: status }),
  });
  const resolution = vending.start().then(
    () => logger.info({ kiosk: vending.kioskState().state, board: machine.description }, 'vending ready'),
    (error: unknown) => logger.error({ err: error }, 'vending start-up resolution failed'),
  );
  return {
    vending,
    resolution,
    async stop() {
      await vending.stop();
      await machine.close();
      store.close();
    },
  };
}
