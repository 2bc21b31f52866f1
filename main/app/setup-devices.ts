/**
 * Wires the receipt printer, the kitchen printers and the barcode scanner into a starting
 * terminal (composition root: the only place here that picks transports and simulators).
 *
 * - Printers print from a durable queue on the journal file (`print_jobs`). Every completed sale
 *   (`payment.changed` to a paid-like state; cash included) gets one receipt, keyed
 *   `receiptPrinter/receipt/<orderId>`, and one ticket per kitchen station with lines in it,
 *   keyed `kitchenPrinter:<station>/kitchen/<orderId>`: a repeated event or a restart never
 *   prints twice. Jobs left queued by an earlier run print at start.
 * - A cash sale's receipt ends with the cash drawer pulse (`ESC p 0 50 100` after the cut) when
 *   `devices.cashDrawer` is on (default: on with a receipt printer). The pulse is part of the
 *   receipt's print job (description `receipt <number> + cash drawer`), so it is stored in
 *   `print_jobs` before it is sent and fires at most once; reprints never open the drawer.
 * - `printer.reprint` queues a new job marked `重印 / REPRINT` (the `reprinter` handed to the core).
 * - `testPrint(role)` (technician console) queues the test receipt (hardware/printers/test-receipt-sale.ts)
 *   as a new job on that printer: `printed`, or `queued` with the printer's reason.
 * - The scanner's classified codes reach the UIs as `scan.received`; the core starts nothing.
 * - `sim:printer` / `sim:scanner` run the in-process simulators; the simulated printer writes
 *   each receipt as `.txt` and `.png` into `<dataDir>/simulated-printer/`.
 * - The printer profile is `generic-80mm` unless a `sim:printer` URI names one (`?profile=`).
 * - A `serial:` or `file:` device (printer or scanner) is bound at its configured path. Once it
 *   works, its USB identity is learnt from discovery; if it is unplugged and comes back under
 *   another path, it is reopened there and the rebinding is logged (main/devices/device-rebinder.ts).
 *
 * Nothing here may stop the terminal: every device error is caught, logged and shown as the
 * device's state in `system.status` (`offline` with the reason); faulted jobs stay queued.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemDeviceTimer, type DeviceTimer } from '../../hardware/devices/device-timer.js';
import { DeviceWatcher } from '../../hardware/discovery/device-watcher.js';
import { discoverDevices, type Discovery } from '../../hardware/discovery/discover-devices.js';
import { layoutKitchenTicket } from '../../hardware/printers/kitchen-ticket-layout.js';
import type { PrintJobStore } from '../../hardware/printers/print-job-store.js';
import { defaultPrinterProfileName, findPrinterProfile } from '../../hardware/printers/printer-profiles.js';
import { layoutReceipt } from '../../hardware/printers/receipt-layout.js';
import type { ScannerFraming } from '../../hardware/scanners/scanner-device.js';
import { attachSimulatedPrinter } from '../../hardware/simulators/attach-simulated-printer.js';
import { attachSimulatedScanner } from '../../hardware/simulators/attach-simulated-scanner.js';
import type { PrinterSimulator } from '../../hardware/simulators/printer-simulator.js';
import type { ScannerSimulator } from '../../hardware/simulators/scanner-simulator.js';
import { ReceiptPageWriter } from '../../hardware/simulators/write-receipt-files.js';
import { parseDeviceUri, type DeviceUri } from '../../hardware/transports/device-uri.js';
import { createTransport, type AttachSimulator, type TransportDependencies } from '../../hardware/transports/open-transport.js';
import type { Transport } from '../../hardware/transports/transport.js';
import type { Journal } from '../../sync/store/journal.js';
import { SqlitePrintJobStore } from '../../sync/store/print-job-store.js';
import { cashDrawerEnabled, type TerminalConfig } from '../config/config-schema.js';
import type { CommandOutput } from '../contract/contract.js';
import type { ReceiptReprinter } from '../core/printer-handlers.js';
import type { TestPrinter } from '../core/technician-handlers.js';
import { testReceiptSale } from '../../hardware/printers/test-receipt-sale.js';
import type { TerminalEvents } from '../core/terminal-events.js';
import { DeviceRebinder, isPathDeviceUri } from '../devices/device-rebinder.js';
import { isPaidLikeState } from '../domain/payment-states.js';
import { PrinterStation } from '../devices/printer-station.js';
import { RebindableTransport } from '../devices/rebindable-transport.js';
import { saleDocuments } from '../devices/sale-receipt.js';
import { ScannerConnection } from '../devices/scanner-connection.js';

/** The mark a reprinted receipt carries under the merchant name. */
export const reprintBanner = '重印 / REPRINT';

export interface DevicesSetupOptions {
  readonly config: TerminalConfig;
  readonly dataDir: string;
  readonly journal: Journal;
  /** The journal's file (already migrated by `Journal.open`): the print queue opens its own connection. */
  readonly journalFile: string;
  /** Where device states are reported, payments are heard and scans announced. */
  readonly events: TerminalEvents;
  readonly logger: Logger;
  /** Device clock and timers; the system's by default. */
  readonly timer?: DeviceTimer | undefined;
  /** First reopen / status-check delay after a fault (doubling, capped at 30 s); default 1000 ms. */
  readonly initialRetryDelayMs?: number | undefined;
  /**
   * How `serial:` / `file:` devices are found again under a new path: the listing (serial ports and
   * USB printers; HID devices are bound by their ids already) and the DeviceWatcher's timing
   * (poll 2000 ms; when gone, 500 ms doubling to 30 s).
   */
  readonly deviceWatch?: DeviceWatchOptions | undefined;
}

export interface DeviceWatchOptions {
  readonly list?: (() => Promise<Discovery>) | undefined;
  readonly pollMs?: number | undefined;
  readonly initialDelayMs?: number | undefined;
  readonly maxDelayMs?: number | undefined;
}

export interface DevicesSetup {
  /** The simulator behind a `sim:scanner` URI (demo, tests): `scan(code)` makes a code appear. */
  readonly simulatedScanner: ScannerSimulator | undefined;
  /** Simulators behind `sim:printer` URIs, by role (`receiptPrinter`, `kitchenPrinter:<station>`). */
  readonly simulatedPrinters: ReadonlyMap<string, PrinterSimulator>;
  /** Where simulated printers write their `.txt` / `.png` pages. */
  readonly simulatedPrinterFolder: string;
  /** `printer.reprint` for the core; undefined without a receipt printer. */
  readonly reprinter: ReceiptReprinter | undefined;
  /** The technician's test print on the printer of a role; undefined without printers. */
  readonly testPrint: TestPrinter | undefined;
  /** Resolves once every device was tried once (status read, old jobs drained, scanner opened). Never rejects. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function setupDevices(options: DevicesSetupOptions): DevicesSetup {
  const { config, journal, events, logger } = options;
  const timer = options.timer ?? systemDeviceTimer;
  const locale = config.terminal.locale;
  const simulatedPrinterFolder = join(options.dataDir, 'simulated-printer');
  const simulatedPrinters = new Map<string, PrinterSimulator>();
  const pageWriters: ReceiptPageWriter[] = [];
  let simulatedScanner: ScannerSimulator | undefined;

  const watchOptions = options.deviceWatch ?? {};
  // HID devices are not listed: hid: URIs name vendor, product and serial number, not a path.
  const listDevices = watchOptions.list ?? (() => discoverDevices({ hid: { devices: async () => [] } }));
  const rebinder = new DeviceRebinder({
    watcher: new DeviceWatcher({ list: listDevices, timer, pollMs: watchOptions.pollMs, initialDelayMs: watchOptions.initialDelayMs, maxDelayMs: watchOptions.maxDelayMs }),
    list: listDevices,
    logger,
  });

  /**
   * The transport for URI: for `serial:` / `file:` one that the rebinder can point at a new path
   * (RECONNECT reopens the device there); other schemes as they are.
   */
  const deviceTransport = (role: string, uri: DeviceUri, dependencies: TransportDependencies, reconnect: () => void): Transport => {
    if (!isPathDeviceUri(uri)) return createTransport(uri, dependencies);
    const transport = new RebindableTransport(createTransport(uri, dependencies), (cause) => rebinder.deviceLost(role, cause.message));
    rebinder.add({ role, configuredUri: uri, transport, createTransport: (next) => createTransport(next, dependencies), reconnectNow: reconnect });
    return transport;
  };

  const setState = (role: string, uri: string, state: 'online' | 'offline', reason: string | null) => {
    events.setDeviceState(role, state === 'online' && uri.startsWith('sim:') ? 'simulated' : state, reason);
  };

  /** Runs the simulator a `sim:` URI of ROLE asks for; the file PREFIX names a printer's pages. */
  const attachSimulator =
    (role: string, prefix: string): AttachSimulator =>
    (uri, link) => {
      if (uri.kind === 'printer') {
        const pages = new ReceiptPageWriter({
          folder: simulatedPrinterFolder,
          prefix,
          profile: findPrinterProfile(uri.options['profile'] ?? defaultPrinterProfileName),
          onProblem: (message, error) => logger.error({ role, err: error }, `simulated printer: ${message}`),
        });
        pageWriters.push(pages);
        const simulator = attachSimulatedPrinter(uri, link, {
          onReceipt: (receipt) => pages.write(receipt),
          onProblem: (message) => logger.warn({ role }, `simulated printer: ${message}`),
        });
        simulatedPrinters.set(role, simulator);
        return;
      }
      if (uri.kind === 'scanner') {
        simulatedScanner = attachSimulatedScanner(uri, link, (message) => logger.warn({ role }, `simulated scanner: ${message}`));
        return;
      }
      throw new Error(`sim:${uri.kind} is not a printer or a scanner`);
    };

  // Printers share one durable store on the journal file.
  const printerUris: [role: string, uri: string, prefix: string][] = [
    ...(config.devices.receiptPrinter ? [['receiptPrinter', config.devices.receiptPrinter, 'receipt'] as [string, string, string]] : []),
    ...Object.entries(config.devices.kitchenPrinters).map(([station, uri]): [string, string, string] => [`kitchenPrinter:${station}`, uri, `kitchen-${station}`]),
  ];
  let store: SqlitePrintJobStore | undefined;
  if (printerUris.length > 0) {
    try {
      store = SqlitePrintJobStore.open(options.journalFile);
    } catch (error) {
      logger.error({ err: error }, 'the print job store cannot be opened; printers are unavailable');
      for (const [role, uri] of printerUris) setState(role, uri, 'offline', `print queue unavailable: ${errorText(error)}`);
    }
  }

  const openPrinter = (role: string, uriText: string, prefix: string, jobs: PrintJobStore): PrinterStation | undefined => {
    try {
      const uri: DeviceUri = parseDeviceUri(uriText);
      const profile = findPrinterProfile(uri.scheme === 'sim' ? (uri.options['profile'] ?? defaultPrinterProfileName) : defaultPrinterProfileName);
      // The reconnect callback runs only after a rebinding, long after `station` is assigned.
      const station: PrinterStation = new PrinterStation({
        role,
        transport: deviceTransport(role, uri, { attachSimulator: attachSimulator(role, prefix) }, () => station.recheckNow()),
        profile,
        store: jobs,
        timer,
        logger,
        initialRetryDelayMs: options.initialRetryDelayMs,
        onState: (state, reason) => {
          setState(role, uriText, state, reason);
          if (state === 'online') void rebinder.identify(role);
        },
      });
      return station;
    } catch (error) {
      logger.error({ role, uri: uriText, err: error }, 'printer cannot be set up');
      setState(role, uriText, 'offline', `not set up: ${errorText(error)}`);
      return undefined;
    }
  };

  const stations = new Map<string, PrinterStation>();
  if (store) {
    for (const [role, uri, prefix] of printerUris) {
      const station = openPrinter(role, uri, prefix, store);
      if (station) stations.set(role, station);
    }
  }
  const receiptStation = stations.get('receiptPrinter');
  const drawerFitted = cashDrawerEnabled(config.devices);

  /** Queues the receipt and kitchen tickets of a completed sale, once per order. */
  const printSale = (orderId: string): void => {
    const receiptJob = receiptStation?.jobId('receipt', orderId);
    const kitchenJobs = [...stations.values()].filter((station) => station !== receiptStation);
    if ((!receiptStation || receiptStation.has(receiptJob ?? '')) && kitchenJobs.every((station) => station.has(station.jobId('kitchen', orderId)))) return;
    const documents = saleDocuments(journal, config, orderId);
    if (!documents) {
      logger.warn({ orderId }, 'completed sale not found in the journal; nothing printed');
      return;
    }
    if (receiptStation && receiptJob && !receiptStation.has(receiptJob)) {
      // The drawer pulse travels inside the receipt job, after the cut: stored in print_jobs (the
      // journal file) before any byte is sent, sent once with the receipt, never on a reprint.
      const kickDrawer = drawerFitted && documents.receipt.tender.method === 'cash';
      const bytes = layoutReceipt(documents.receipt, { profile: receiptStation.profile, locale, kickDrawer });
      void receiptStation.submit({ id: receiptJob, description: `receipt ${documents.receiptNumber}${kickDrawer ? ' + cash drawer' : ''}`, bytes });
      if (kickDrawer) logger.info({ orderId, jobId: receiptJob }, 'cash drawer kick queued with the receipt');
    }
    for (const ticket of documents.kitchenTickets) {
      const station = stations.get(`kitchenPrinter:${ticket.station}`);
      if (!station) continue;
      const id = station.jobId('kitchen', orderId);
      if (station.has(id)) continue;
      void station.submit({ id, description: `kitchen ${ticket.station} ${documents.receiptNumber}`, bytes: layoutKitchenTicket(ticket, { profile: station.profile, locale }) });
    }
  };

  const unsubscribe = events.subscribe((event) => {
    if (event.name !== 'payment.changed' || event.payload.orderId === null || !isPaidLikeState(event.payload.state)) return;
    try {
      printSale(event.payload.orderId);
    } catch (error) {
      logger.error({ orderId: event.payload.orderId, err: error }, 'receipt could not be prepared');
    }
  });

  const reprinter: ReceiptReprinter | undefined = receiptStation && {
    reprint: async (orderId): Promise<CommandOutput<'printer.reprint'> | undefined> => {
      const documents = saleDocuments(journal, config, orderId, { banner: reprintBanner });
      if (!documents) return undefined;
      const jobId = receiptStation.jobId('reprint', `${orderId}/${randomUUID()}`);
      const bytes = layoutReceipt(documents.receipt, { profile: receiptStation.profile, locale });
      const outcome = await receiptStation.submit({ id: jobId, description: `reprint ${documents.receiptNumber}`, bytes });
      logger.info({ orderId, jobId, state: outcome.state }, 'receipt reprint requested');
      return { orderId, receiptNumber: documents.receiptNumber, jobId, state: outcome.state, reason: outcome.state === 'queued' ? outcome.reason : null };
    },
  };

  const testPrint: TestPrinter | undefined =
    stations.size === 0
      ? undefined
      : async (role) => {
          const station = stations.get(role);
          if (!station) return undefined;
          const printedAt = new Date();
          const two = (value: number) => String(value).padStart(2, '0');
          const printedAtText = `${printedAt.getFullYear()}-${two(printedAt.getMonth() + 1)}-${two(printedAt.getDate())} ${two(printedAt.getHours())}:${two(printedAt.getMinutes())}`;
          const jobId = station.jobId('test', randomUUID());
          const outcome = await station.submit({ id: jobId, description: 'technician test print', bytes: layoutReceipt(testReceiptSale(printedAtText), { profile: station.profile, locale }) });
          logger.info({ role, jobId, state: outcome.state }, 'technician test print');
          return { state: outcome.state, reason: outcome.state === 'queued' ? outcome.reason : null };
        };

  let scanner: ScannerConnection | undefined;
  const scannerUri = config.devices.scanner;
  if (scannerUri) {
    try {
      const uri = parseDeviceUri(scannerUri);
      const framing: ScannerFraming = uri.scheme === 'hid' || (uri.scheme === 'sim' && uri.options['framing'] === 'hid-pos') ? 'hid-pos' : 'serial-lines';
      const transport = deviceTransport('scanner', uri, { attachSimulator: attachSimulator('scanner', 'scanner'), hidUsagePage: 0x8c }, () => scanner?.reconnectNow());
      scanner = new ScannerConnection({
        transport,
        framing,
        timer,
        logger,
        initialRetryDelayMs: options.initialRetryDelayMs,
        onState: (state, reason) => {
          setState('scanner', scannerUri, state, reason);
          if (state === 'online') void rebinder.identify('scanner');
        },
        onScan: (scan) => events.publish({ name: 'scan.received', payload: scan }),
      });
    } catch (error) {
      logger.error({ uri: scannerUri, err: error }, 'scanner cannot be set up');
      setState('scanner', scannerUri, 'offline', `not set up: ${errorText(error)}`);
    }
  }

  const ready = Promise.all([...[...stations.values()].map((station) => station.start()), scanner?.start()]).then(() => undefined);

  return {
    get simulatedScanner() {
      return simulatedScanner;
    },
    simulatedPrinters,
    simulatedPrinterFolder,
    reprinter,
    testPrint,
    ready,
    async stop() {
      rebinder.stop();
      unsubscribe();
      await scanner?.stop();
      for (const station of stations.values()) await station.stop();
      for (const pages of pageWriters) pages.stop();
      store?.close();
    },
  };
}
