/**
 * The terminal core: the one implementation of every contract command, independent of the shell
 * (Electron, browser mode, headless) that carries calls to it. Money-moving commands journal
 * before they answer.
 */
import type { Logger } from 'pino';
import type { Journal } from '../../sync/store/journal.js';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { CatalogView, CommandInput, CommandName, CommandOutput, OfflineTotals, TerminalEvent, TerminalStatus } from '../contract/contract.js';
import { isSlotSellable, slotPriceMinor } from '../domain/catalog.js';
import { OrderError, priceOrder } from '../domain/order.js';
import type { TerminalMode } from '../domain/roles.js';
import type { Clock } from '../../kernel/clock.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { VendService } from '../vending/vend-service.js';
import { CommandError } from './command-error.js';
import { createKioskHandlers } from './kiosk-handlers.js';
import { createPaymentHandlers, type SyncControl } from './payment-handlers.js';
import { createPrinterHandlers, type ReceiptReprinter } from './printer-handlers.js';
import { createTechnicianHandlers, type TechnicianServices } from './technician-handlers.js';
import type { TerminalEvents } from './terminal-events.js';

export type CommandHandlers = { [K in CommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

export interface TerminalCoreDeps {
  readonly config: TerminalConfig;
  readonly mode: TerminalMode;
  readonly journal: Journal;
  readonly sessions: OperatorSessions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly version: string;
  /** The hub the services already publish on and report device states and connectivity to. */
  readonly events: TerminalEvents;
  /** The one way in for payments (cash and wallet). */
  readonly payments: PaymentService;
  /** The sync client; absent when the terminal is not enrolled with a backend (`sync.now` answers `unavailable`). */
  readonly sync?: SyncControl | undefined;
  /** Offline payments waiting to be forwarded, against the caps. */
  readonly offlineTotals: () => OfflineTotals;
  /** The kiosk's vend service (kiosk mode with a working board); absent: the kiosk commands answer `unavailable`. */
  readonly vending?: VendService | undefined;
  /** Receipt reprints; absent without a receipt printer (`printer.reprint` answers `unavailable`). */
  readonly printing?: ReceiptReprinter | undefined;
  /** Test prints, discovery, the config file and logs for the technician console; absent: those commands answer `unavailable`. */
  readonly technician?: TechnicianServices | undefined;
}

/** Built last, from services that already run: nothing is attached to it afterwards. */
export class TerminalCore {
  private readonly startedAtMs: number;
  readonly handlers: CommandHandlers;

  constructor(private readonly deps: TerminalCoreDeps) {
    this.startedAtMs = deps.clock.nowMs();
    deps.events.watchStatus(() => deps.events.publish({ name: 'status.changed', payload: this.status() }));
    this.handlers = {
      'system.status': async () => this.status(),
      'catalog.get': async () => this.catalogView(),
      'users.list': async () => deps.sessions.listUsers(),
      'auth.login': async ({ userId, pin }) => {
        const session = await deps.sessions.login(userId, pin);
        deps.logger.info({ userId, role: session.user.role }, 'operator logged in');
        return { sessionId: session.sessionId, user: session.user, expiresAtMs: session.expiresAtMs };
      },
      'auth.logout': async ({ sessionId }) => ({ loggedOut: deps.sessions.logout(sessionId) }),
      'sale.quote': async ({ lines }) => {
        const priced = this.priceOrThrow(lines);
        return {
          totalMinor: priced.totalMinor,
          lines: priced.lines.map(({ productId, quantity, unitPriceMinor, lineTotalMinor }) => ({ productId, quantity, unitPriceMinor, lineTotalMinor })),
        };
      },
      ...createPaymentHandlers({
        payments: deps.payments,
        sync: deps.sync,
        offlineTotals: deps.offlineTotals,
        sessions: deps.sessions,
        mode: deps.mode,
        terminalId: deps.config.terminal.id,
        price: (lines) => this.priceOrThrow(lines),
        journal: deps.journal,
      }),
      ...createKioskHandlers({ vending: deps.vending }),
      ...createPrinterHandlers({ printing: deps.printing, sessions: deps.sessions }),
      ...createTechnicianHandlers({ ...deps, services: deps.technician }),
    };
  }

  /** Subscribes to the terminal's events (the shells' way to the UI); returns the unsubscribe function. */
  subscribe(listener: (event: TerminalEvent) => void): () => void {
    return this.deps.events.subscribe(listener);
  }

  status(): TerminalStatus {
    const { config } = this.deps;
    const devices = Object.entries({
      receiptPrinter: config.devices.receiptPrinter,
      scanner: config.devices.scanner,
      vendingBoard: config.devices.vendingBoard,
      ...Object.fromEntries(Object.entries(config.devices.kitchenPrinters).map(([station, uri]) => [`kitchenPrinter:${station}`, uri])),
    })
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([role, uri]) => {
        const reported = this.deps.events.deviceState(role);
        return { role, uri, state: reported?.state ?? (uri.startsWith('sim:') ? ('simulated' as const) : ('configured' as const)), reason: reported?.reason ?? null };
      });
    return {
      terminalId: config.terminal.id,
      terminalName: config.terminal.name,
      mode: this.deps.mode,
      locale: config.terminal.locale,
      version: this.deps.version,
      startedAtMs: this.startedAtMs,
      backend: config.backend.url === 'sandbox' ? { kind: 'sandbox', url: null } : { kind: 'remote', url: config.backend.url },
      connectivity: this.deps.events.connectivity(),
      lastSyncAtMs: this.deps.events.lastSyncAtMs(),
      queue: this.deps.journal.outboxStats(),
      openIntents: this.deps.journal.openIntents().length,
      devices,
      dataDir: this.deps.dataDir,
    };
  }

  private catalogView(): CatalogView {
    const { catalog, planogram } = this.deps.config;
    return {
      currency: catalog.currency,
      categories: catalog.categories,
      modifierGroups: catalog.modifierGroups,
      products: catalog.products.map(({ id, categoryId, name, priceMinor, modifierGroupIds }) => ({ id, categoryId, name, priceMinor, modifierGroupIds })),
      slots: planogram.slots.map((slot) => ({
        slot: slot.slot,
        productId: slot.productId,
        priceMinor: slotPriceMinor(catalog, slot),
        capacity: slot.capacity,
        // Live stock and board health from the vend service; the planogram's figures without one.
        ...(this.deps.vending?.slotAvailability(slot) ?? { stock: slot.stock, sellable: isSlotSellable(slot) }),
      })),
    };
  }

  private priceOrThrow(lines: CommandInput<'sale.quote'>['lines']) {
    try {
      return priceOrder(this.deps.config.catalog, lines);
    } catch (error) {
      if (error instanceof OrderError) throw new CommandError('invalid-argument', error.message);
      throw error;
    }
  }
}
