/**
 * The terminal core: the one implementation of every contract command, independent of the shell
 * (Electron, browser mode, headless) that carries calls to it. Money-moving commands journal
 * before they answer.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connectivity } from '../../sync/client/backend-health-probe.js';
import type { Journal } from '../../sync/store/journal.js';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { CatalogView, CommandInput, CommandName, CommandOutput, TerminalEvent, TerminalStatus } from '../contract/contract.js';
import { isSlotSellable, slotPriceMinor } from '../domain/catalog.js';
import { cashChangeMinor, OrderError, priceOrder } from '../domain/order.js';
import type { TerminalMode } from '../domain/roles.js';
import type { Clock } from '../../kernel/clock.js';
import { CommandError } from './command-error.js';
import { createPaymentHandlers, type SyncControl } from './payment-handlers.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { OfflineTotals } from '../contract/contract.js';
import type { VendService } from '../vending/vend-service.js';
import { createKioskHandlers } from './kiosk-handlers.js';
import { createPrinterHandlers, type ReceiptReprinter } from './printer-handlers.js';

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
  /** Payments and sync, wired by the composition root after construction (see `attachPayments`). */
  readonly payments?: PaymentService | undefined;
}

export class TerminalCore {
  private readonly listeners = new Set<(event: TerminalEvent) => void>();
  private readonly startedAtMs: number;
  private connectivity: Connectivity;
  private lastSyncAtMs: number | null = null;
  private payments: PaymentService | undefined;
  private sync: SyncControl | undefined;
  private offlineTotals: (() => OfflineTotals) | undefined;
  private vending: VendService | undefined;
  private printing: ReceiptReprinter | undefined;
  private readonly deviceStates = new Map<string, { state: 'simulated' | 'online' | 'offline'; reason: string | null }>();

  constructor(private readonly deps: TerminalCoreDeps) {
    this.startedAtMs = deps.clock.nowMs();
    this.connectivity = deps.config.backend.url === 'sandbox' ? 'online' : 'offline';
  }

  /** Subscribes to core events; returns the unsubscribe function. */
  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Plugs in the payment service, the sync client and the offline totals (composition root only). */
  attachPayments(parts: { payments: PaymentService; sync?: SyncControl | undefined; offlineTotals?: (() => OfflineTotals) | undefined }): void {
    this.payments = parts.payments;
    this.sync = parts.sync;
    this.offlineTotals = parts.offlineTotals;
  }

  /** Plugs in the kiosk's vend service (composition root, kiosk mode): live slot stock and the kiosk commands. */
  attachVending(vending: VendService): void {
    this.vending = vending;
  }

  /** Plugs in receipt printing (composition root, main/app/setup-devices.ts): `printer.reprint`. */
  attachPrinting(printing: ReceiptReprinter): void {
    this.printing = printing;
  }

  /**
   * Records what the device layer found out about the device in ROLE (`receiptPrinter`,
   * `scanner`, `kitchenPrinter:<station>`, …) and, when it changed, emits `status.changed`.
   */
  setDeviceState(role: string, state: 'simulated' | 'online' | 'offline', reason: string | null = null): void {
    const previous = this.deviceStates.get(role);
    if (previous?.state === state && previous.reason === reason) return;
    this.deviceStates.set(role, { state, reason });
    this.emitStatus();
  }

  /** What the backend connectivity signal currently says. */
  currentConnectivity(): Connectivity {
    return this.connectivity;
  }

  /** Sends EVENT to every subscriber (a failing listener is logged, never breaks the others). */
  publish(event: TerminalEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'event listener failed');
      }
    }
  }

  setConnectivity(connectivity: Connectivity, lastSyncAtMs?: number): void {
    this.connectivity = connectivity;
    if (lastSyncAtMs !== undefined) this.lastSyncAtMs = lastSyncAtMs;
    this.emitStatus();
  }

  private emitStatus(): void {
    const event: TerminalEvent = { name: 'status.changed', payload: this.status() };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'event listener failed');
      }
    }
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
      .map(([role, uri]) => ({ role, uri, state: this.deviceStates.get(role)?.state ?? (uri.startsWith('sim:') ? ('simulated' as const) : ('configured' as const)), reason: this.deviceStates.get(role)?.reason ?? null }));
    return {
      terminalId: config.terminal.id,
      terminalName: config.terminal.name,
      mode: this.deps.mode,
      locale: config.terminal.locale,
      version: this.deps.version,
      startedAtMs: this.startedAtMs,
      backend: config.backend.url === 'sandbox' ? { kind: 'sandbox', url: null } : { kind: 'remote', url: config.backend.url },
      connectivity: this.connectivity,
      lastSyncAtMs: this.lastSyncAtMs,
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
        // Live stock and board health once vending is attached; the planogram's figures before.
        ...(this.vending?.slotAvailability(slot) ?? { stock: slot.stock, sellable: isSlotSellable(slot) }),
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

  readonly handlers: CommandHandlers = {
    'system.status': async () => this.status(),
    'catalog.get': async () => this.catalogView(),
    'users.list': async () => this.deps.sessions.listUsers(),
    'auth.login': async ({ userId, pin }) => {
      const session = await this.deps.sessions.login(userId, pin);
      this.deps.logger.info({ userId, role: session.user.role }, 'operator logged in');
      return { sessionId: session.sessionId, user: session.user, expiresAtMs: session.expiresAtMs };
    },
    'auth.logout': async ({ sessionId }) => ({ loggedOut: this.deps.sessions.logout(sessionId) }),
    'sale.quote': async ({ lines }) => {
      const priced = this.priceOrThrow(lines);
      return {
        totalMinor: priced.totalMinor,
        lines: priced.lines.map(({ productId, quantity, unitPriceMinor, lineTotalMinor }) => ({ productId, quantity, unitPriceMinor, lineTotalMinor })),
      };
    },
    'sale.payCash': async ({ sessionId, lines, tenderedMinor }) => {
      if (this.deps.mode === 'kiosk') throw new CommandError('forbidden', 'an unattended kiosk does not take cash');
      const session = this.deps.sessions.require(sessionId, 'sale.create');
      const priced = this.priceOrThrow(lines);
      let changeMinor: number;
      try {
        changeMinor = cashChangeMinor(priced.totalMinor, tenderedMinor);
      } catch (error) {
        if (error instanceof OrderError) throw new CommandError('invalid-argument', error.message);
        throw error;
      }
      const orderId = randomUUID();
      const paymentIntentId = randomUUID();
      // Journal first: the order and its settled cash payment become durable together, with their
      // outbox rows, before the UI is told to hand out change.
      const { receiptNumber } = this.deps.journal.recordOrder(
        { id: orderId, terminalId: this.deps.config.terminal.id, mode: this.deps.mode, userId: session.user.id, lines: priced.lines, totalMinor: priced.totalMinor, currency: priced.currency },
        [{ id: paymentIntentId, kind: 'payment', orderId, method: 'cash', amountMinor: priced.totalMinor, state: 'paid', isFinal: true, detail: { tenderedMinor, changeMinor } }],
      );
      this.deps.logger.info({ orderId, receiptNumber, totalMinor: priced.totalMinor, method: 'cash' }, 'sale recorded');
      // Like a cash `sale.startPayment`: the settled payment is announced (receipt printing listens).
      const payments = this.payments ?? this.deps.payments;
      if (payments) this.publish({ name: 'payment.changed', payload: payments.view(paymentIntentId) });
      this.emitStatus();
      return { orderId, receiptNumber, totalMinor: priced.totalMinor, changeMinor, paymentIntentId };
    },
    ...createPaymentHandlers({
      payments: () => this.payments ?? this.deps.payments,
      sync: () => this.sync,
      offlineTotals: () =>
        this.offlineTotals?.() ?? {
          pendingCount: 0,
          pendingMinor: 0,
          perPaymentCapMinor: this.deps.config.offline.perPaymentCapMinor,
          totalStoredCapMinor: this.deps.config.offline.totalStoredCapMinor,
          maxAgeHours: this.deps.config.offline.maxAgeHours,
          oldestPendingAtMs: null,
        },
      terminal: () => ({ sessions: this.deps.sessions, mode: this.deps.mode, terminalId: this.deps.config.terminal.id }),
      price: (lines) => this.priceOrThrow(lines),
    }),
    ...createKioskHandlers({ vending: () => this.vending }),
    ...createPrinterHandlers({ printing: () => this.printing, sessions: () => this.deps.sessions }),
  };
}
