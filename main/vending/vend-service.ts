/**
 * The unattended kiosk's sale (docs/vend-rules.md#direct-drive; docs/vending.md): a slot is selected,
 * paid with a one-time merchant-presented QR, and vended once paid.
 *
 * Vend intents (journal kind 'vend', parent = the payment intent, detail: slot, sequence; states
 * and legal moves in main/domain/vend-states.ts):
 *   selected → vend-pending (journaled BEFORE `vend` is called) → dispensed | not-dispensed | unknown
 *   selected → cancelled                 the payment ended unpaid: nothing is vended
 *   unknown → dispensed | not-dispensed  the board answers a status query with the SAME sequence
 *                                         number (the machine never sends a second VEND)
 * `dispensed` and stock −1 are one transaction; `not-dispensed` and its refund intent are one
 * transaction, after which the payment service sends the refund (queued while offline, retried
 * until definite, resumed by its own start-up resolution after a power cut).
 *
 * Every move is checked against that machine before it is journaled (`VendServiceError`
 * `illegal-transition` otherwise).
 *
 * Resolve before selling: `start()` resolves every open vend before `purchase` accepts a
 * selection; while a vend stays unknown the kiosk keeps resolving (again every `resolveRetryMs`)
 * and refuses selections. A selection paid after a restart is refunded, never vended to nobody.
 *
 * Who calls: the core's kiosk handlers (contract) and the composition root (start, stop).
 * Errors reach callers as `VendServiceError` with a closed code.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { VendingMachine, VendOutcome } from '../../hardware/vending/vending-machine.js';
import type { IntentRecord, Journal } from '../../sync/store/journal.js';
import type { KioskVendingView, PaymentView, VendStatusView, VendView } from '../contract/contract.js';
import { findProduct, slotPriceMinor, type Catalog, type Planogram, type VendingSlot } from '../domain/catalog.js';
import { isPaidLikeState } from '../domain/payment-states.js';
import { canMove, isFinalIn } from '../domain/state-machine.js';
import { vendMachine, type VendState } from '../domain/vend-states.js';
import type { Clock } from '../../kernel/clock.js';
import { formatMinorAsDecimal } from '../../kernel/money.js';
import type { Timers } from '../../kernel/timers.js';
import type { PaymentService } from '../payments/payment-service.js';

export type VendServiceErrorCode = 'no-such-slot' | 'out-of-sale' | 'out-of-stock' | 'busy' | 'resolving' | 'not-found' | 'illegal-transition' | 'over-capacity' | 'not-out-of-sale';

export class VendServiceError extends Error {
  override readonly name = 'VendServiceError';
  constructor(
    readonly code: VendServiceErrorCode,
    message: string,
    /** True when the same selection may succeed later without any change (busy, resolving). */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** The payment service as the kiosk uses it. */
export type KioskPayments = Pick<PaymentService, 'startPayment' | 'status' | 'refund' | 'resolving'>;

export interface VendServiceDeps {
  readonly journal: Journal;
  readonly payments: KioskPayments;
  /** Subscribes to every durable payment change (the payment service's `onPaymentChanged`); returns the unsubscribe. */
  readonly onPaymentChanged: (listener: (view: PaymentView) => void) => () => void;
  readonly machine: VendingMachine;
  /**
   * The device's own record of a vend (`SqliteVendStateStore`): its sequence number, and whether a
   * VEND can have been sent at all (no record: the machine never got as far as the board).
   */
  readonly deviceVends: { findDirectVend(vendId: string): { readonly sequence: number } | undefined };
  readonly catalog: Catalog;
  readonly planogram: Planogram;
  readonly terminalId: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Told after every durable change of a vend, and when the kiosk's state changes (`vend: null`). Must not throw. */
  readonly onVendChanged?: ((status: VendStatusView) => void) | undefined;
  /** Pause before resolving unknown vends again. Default 15000 ms. */
  readonly resolveRetryMs?: number | undefined;
  /** Safety-net check of a selection's payment, besides its change events. Default 2000 ms. */
  readonly paymentPollMs?: number | undefined;
  readonly newId?: (() => string) | undefined;
}

export interface Purchase {
  readonly orderId: string;
  readonly receiptNumber: string;
  readonly payment: PaymentView;
  /** Absent when the payment failed at once: nothing will be vended. */
  readonly vendIntentId?: string | undefined;
}

/** A slot on the technician's console (`notSellingBecause`: board = taken out of sale, planogram = `inSale: false`, empty = no stock). */
export interface TechnicianSlotView {
  readonly slot: number;
  readonly productId: string;
  readonly productName: { readonly 'zh-CN': string; readonly en?: string | undefined };
  readonly stock: number;
  readonly capacity: number;
  readonly sellable: boolean;
  readonly notSellingBecause: 'board' | 'planogram' | 'empty' | null;
  readonly outOfSaleReason: string | null;
  readonly consecutiveFailures: number;
}

type Phase = 'starting' | 'resolving' | 'ready' | 'stopped';

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class VendService {
  private phase: Phase = 'starting';
  /** Selections made in this run: vended when paid (earlier runs' selections are refunded instead). */
  private readonly live = new Set<string>();
  /** Vend intents being moved right now (one mover per intent). */
  private readonly busyIntents = new Map<string, Promise<void>>();
  private purchasing = false;
  private unsubscribePayments: (() => void) | undefined;
  private readonly unsubscribeMachine: () => void;
  private cancelRetry: (() => void) | undefined;
  private resolution: Promise<void> | undefined;
  private readonly newId: () => string;
  private readonly resolveRetryMs: number;
  private readonly paymentPollMs: number;

  constructor(private readonly deps: VendServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.resolveRetryMs = deps.resolveRetryMs ?? 15_000;
    this.paymentPollMs = deps.paymentPollMs ?? 2_000;
    this.unsubscribeMachine = deps.machine.onSlotOutOfSale((slot) => {
      deps.logger.warn({ slot: slot.slot, reason: slot.reason, consecutiveFailures: slot.consecutiveFailures }, 'vending slot taken out of sale');
      this.emit(undefined);
    });
  }

  /**
   * Seeds live stock from the planogram (slots the journal does not know yet), starts following
   * payments, and resolves every open vend. Resolves when that first resolution is done; the kiosk
   * is then `ready`, or still `resolving` when a vend stayed unknown (retried on a timer).
   */
  start(): Promise<void> {
    const seeded = this.deps.journal.seedSlotStock(this.deps.planogram.slots.map((slot) => ({ slot: slot.slot, stock: slot.stock })));
    if (seeded.length > 0) this.deps.logger.info({ slots: seeded }, 'slot stock seeded from the planogram');
    this.unsubscribePayments = this.deps.onPaymentChanged((view) => this.paymentChanged(view));
    return this.resolveOpenVends();
  }

  /** Stops timers and listeners; a vend in progress finishes (its state is journaled either way). */
  async stop(): Promise<void> {
    this.phase = 'stopped';
    this.cancelRetry?.();
    this.unsubscribePayments?.();
    this.unsubscribeMachine();
    await Promise.allSettled([this.resolution, ...this.busyIntents.values()]);
  }

  kioskState(): KioskVendingView {
    const slotsOutOfSale = this.deps.machine.slotsOutOfSale();
    if (this.phase === 'stopped') return { state: 'unavailable', reason: 'the kiosk is stopping', slotsOutOfSale };
    if (this.phase !== 'ready') {
      const open = this.openVends().filter((vend) => vend.state !== 'selected').length;
      return { state: 'resolving', reason: open > 0 ? `${open} vend(s) left open are being resolved with the board` : 'checking the vending board', slotsOutOfSale };
    }
    if (this.deps.payments.resolving) return { state: 'resolving', reason: 'payments left open by the last run are being resolved', slotsOutOfSale };
    return { state: 'ready', reason: null, slotsOutOfSale };
  }

  /** Live stock and whether SLOT sells now (in sale in the planogram and on the board, and stocked). */
  slotAvailability(slot: VendingSlot): { stock: number; sellable: boolean } {
    const stock = this.deps.journal.slotStock().get(slot.slot) ?? slot.stock;
    const outOfSale = this.deps.machine.slotsOutOfSale().some((entry) => entry.slot === slot.slot);
    return { stock, sellable: slot.inSale && !outOfSale && stock > 0 };
  }

  /** Every planogram slot as the technician sees it: live stock, capacity, and why it does not sell. */
  technicianSlots(): TechnicianSlotView[] {
    const outOfSale = new Map(this.deps.machine.slotsOutOfSale().map((entry) => [entry.slot, entry]));
    return this.deps.planogram.slots.map((slot) => {
      const { stock, sellable } = this.slotAvailability(slot);
      const boardOut = outOfSale.get(slot.slot);
      const notSellingBecause: TechnicianSlotView['notSellingBecause'] = sellable ? null : boardOut ? 'board' : !slot.inSale ? 'planogram' : 'empty';
      return {
        slot: slot.slot,
        productId: slot.productId,
        productName: findProduct(this.deps.catalog, slot.productId).name,
        stock,
        capacity: slot.capacity,
        sellable,
        notSellingBecause,
        outOfSaleReason: boardOut?.reason ?? null,
        consecutiveFailures: boardOut?.consecutiveFailures ?? 0,
      };
    });
  }

  /**
   * A technician refilled slots: each count (0..capacity; `'full'` = capacity) becomes the slot's
   * live stock, journaled with who did it (one transaction, all or nothing) before the kiosk sells
   * from it. Throws `VendServiceError` `no-such-slot` / `over-capacity` without writing anything.
   */
  refill(refills: readonly { readonly slot: number; readonly quantity: number | 'full' }[], userId: string): { slot: number; quantity: number; deltaQuantity: number }[] {
    const resolved = refills.map(({ slot, quantity }) => {
      const planned = this.deps.planogram.slots.find((candidate) => candidate.slot === slot);
      if (!planned) throw new VendServiceError('no-such-slot', `there is no slot ${slot} in the planogram`);
      const count = quantity === 'full' ? planned.capacity : quantity;
      if (count > planned.capacity) throw new VendServiceError('over-capacity', `slot ${slot} holds at most ${planned.capacity}; ${count} does not fit`);
      return { slot, quantity: count };
    });
    const changes = this.deps.journal.refillSlotStock(resolved, userId, {
      event: 'technician.refill',
      slots: resolved.map(({ slot, quantity }) => `${slot}=${quantity}`).join(','),
    });
    this.deps.logger.info({ userId, changes }, 'vending slots refilled');
    this.emit(undefined);
    return changes;
  }

  /**
   * A technician cleared a slot the board took out of sale: journaled (audit) first, then the slot
   * sells again with its failure count restarted. Throws `no-such-slot` / `not-out-of-sale`.
   */
  returnSlotToSale(slotNumber: number, userId: string): void {
    if (!this.deps.planogram.slots.some((candidate) => candidate.slot === slotNumber)) throw new VendServiceError('no-such-slot', `there is no slot ${slotNumber} in the planogram`);
    const out = this.deps.machine.slotsOutOfSale().find((entry) => entry.slot === slotNumber);
    if (!out) throw new VendServiceError('not-out-of-sale', `slot ${slotNumber} is not out of sale`);
    this.deps.journal.recordAudit(userId, { event: 'technician.return-to-sale', slot: slotNumber, previousReason: out.reason, consecutiveFailures: out.consecutiveFailures });
    this.deps.machine.returnSlotToSale(slotNumber);
    this.deps.logger.info({ userId, slot: slotNumber }, 'vending slot returned to sale');
    this.emit(undefined);
  }

  /**
   * Starts the sale of SLOT: checks it sells, starts its QR payment and journals the selection.
   * Throws `VendServiceError` (no-such-slot, out-of-sale, out-of-stock, busy, resolving) or the
   * payment service's error (e.g. `unavailable` without the network).
   */
  async purchase(slotNumber: number): Promise<Purchase> {
    if (this.phase !== 'ready') throw new VendServiceError('resolving', `the kiosk is resolving vends left open before it sells (${this.kioskState().reason ?? 'starting'})`, this.phase !== 'stopped');
    const slot = this.deps.planogram.slots.find((candidate) => candidate.slot === slotNumber);
    if (!slot) throw new VendServiceError('no-such-slot', `slot ${slotNumber} is not in the planogram`);
    const outOfSale = this.deps.machine.slotsOutOfSale().find((entry) => entry.slot === slotNumber);
    if (!slot.inSale || outOfSale) throw new VendServiceError('out-of-sale', `slot ${slotNumber} is out of sale${outOfSale?.reason ? ` (${outOfSale.reason})` : ''}`);
    if (this.slotAvailability(slot).stock <= 0) throw new VendServiceError('out-of-stock', `slot ${slotNumber} is sold out`);
    if (this.purchasing || [...this.live].some((id) => this.deps.journal.findIntent(id)?.isFinal === false)) {
      throw new VendServiceError('busy', 'another selection is being paid or vended; try again when it is done', true);
    }
    this.purchasing = true;
    try {
      const product = findProduct(this.deps.catalog, slot.productId);
      const priceMinor = slotPriceMinor(this.deps.catalog, slot);
      const orderId = this.newId();
      const started = await this.deps.payments.startPayment({
        order: {
          id: orderId,
          terminalId: this.deps.terminalId,
          mode: 'kiosk',
          userId: null,
          lines: [{ productId: product.id, name: product.name, quantity: 1, modifiers: [], unitPriceMinor: priceMinor, lineTotalMinor: priceMinor }],
          totalMinor: priceMinor,
          currency: 'CNY',
        },
        method: 'qr',
        description: `${this.deps.terminalId} slot ${slotNumber} ￥${formatMinorAsDecimal(priceMinor)}`,
      });
      const paymentIntentId = started.payment.paymentIntentId;
      if (started.payment.isFinal && !isPaidLikeState(started.payment.state)) return { orderId, receiptNumber: started.receiptNumber, payment: started.payment };
      const vendIntentId = this.newId();
      this.deps.journal.createIntent({
        id: vendIntentId,
        kind: 'vend',
        orderId,
        parentIntentId: paymentIntentId,
        method: 'direct-drive',
        amountMinor: priceMinor,
        state: 'selected',
        isFinal: false,
        detail: { slot: slotNumber, productId: product.id, machine: this.deps.machine.description },
      });
      this.live.add(vendIntentId);
      this.deps.logger.info({ vendIntentId, paymentIntentId, slot: slotNumber, priceMinor }, 'kiosk selection journaled');
      this.emit(vendIntentId);
      this.watchSelection(vendIntentId);
      return { orderId, receiptNumber: started.receiptNumber, payment: this.deps.payments.status(paymentIntentId), vendIntentId };
    } finally {
      this.purchasing = false;
    }
  }

  /** The kiosk's state and, given a payment, its vend (null when it has none). Throws `not-found` for an unknown payment. */
  status(paymentIntentId?: string): VendStatusView {
    if (paymentIntentId === undefined) return { kiosk: this.kioskState(), vend: null };
    const payment = this.deps.journal.findIntent(paymentIntentId);
    if (!payment || payment.kind !== 'payment') throw new VendServiceError('not-found', `no payment "${paymentIntentId}"`);
    const vend = this.deps.journal.childIntents(paymentIntentId).filter(isVendIntent).at(-1);
    return { kiosk: this.kioskState(), vend: vend ? this.view(vend) : null };
  }

  /** Resolves once the current resolution (if any) is done: for tests and orderly shutdown. */
  async settled(): Promise<void> {
    await this.resolution;
    await Promise.allSettled([...this.busyIntents.values()]);
  }

  /** A method, not a field test, so TypeScript does not narrow `phase` across awaits. */
  private stopped(): boolean {
    return this.phase === 'stopped';
  }

  private openVends(): IntentRecord<'vend'>[] {
    return this.deps.journal.openIntents().filter(isVendIntent);
  }

  private vendIntent(vendIntentId: string): IntentRecord<'vend'> {
    const intent = this.deps.journal.getIntent(vendIntentId);
    if (!isVendIntent(intent)) throw new VendServiceError('not-found', `intent "${vendIntentId}" is not a vend`);
    return intent;
  }

  /** Journals VEND's move to TO if the vend machine allows it (final when nothing follows TO). */
  private move(vend: IntentRecord<'vend'>, to: VendState, detail: Record<string, unknown>): IntentRecord {
    if (!canMove(vendMachine, vend.state, to)) throw new VendServiceError('illegal-transition', `vend intent "${vend.id}" may not move from "${vend.state}" to "${to}"`);
    return this.deps.journal.transitionIntent(vend.id, { from: vend.state, to, isFinal: isFinalIn(vendMachine, to), detail });
  }

  private resolveOpenVends(): Promise<void> {
    if (this.resolution) return this.resolution;
    const run = this.runResolution().finally(() => {
      this.resolution = undefined;
    });
    this.resolution = run;
    return run;
  }

  private async runResolution(): Promise<void> {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    if (this.phase === 'stopped') return;
    this.phase = 'resolving';
    this.emit(undefined);
    try {
      // Device level first: the board answers for every sequence number a crash or silence left open.
      const outcomes = await this.deps.machine.resolvePending();
      if (outcomes.length > 0) this.deps.logger.info({ outcomes: outcomes.map((outcome) => `${outcome.vendId}:${outcome.kind}`) }, 'open vends resolved with the board');
    } catch (error) {
      this.deps.logger.error({ err: error }, 'resolving open vends with the board failed; they stay open');
    }
    for (const vend of this.openVends()) {
      if (this.stopped()) return;
      if (this.busyIntents.has(vend.id)) continue;
      if (vend.state === 'selected') {
        // An earlier run's selection: settled when its payment is final (refund if paid).
        if (!this.live.has(vend.id)) await this.exclusively(vend.id, () => this.settleSelection(vend.id));
        continue;
      }
      await this.exclusively(vend.id, () => this.resolveVend(vend.id));
    }
    if (this.stopped()) return;
    const unresolved = this.openVends().filter((vend) => vend.state === 'vend-pending' || vend.state === 'unknown');
    if (unresolved.length > 0) {
      this.deps.logger.warn({ vendIntentIds: unresolved.map((vend) => vend.id) }, `vends still unknown; asking the board again in ${this.resolveRetryMs} ms`);
      this.cancelRetry = this.deps.timers.setTimer(() => void this.resolveOpenVends(), this.resolveRetryMs);
    } else {
      this.phase = 'ready';
    }
    this.emit(undefined);
  }

  /** Runs WORK for one vend intent unless another mover already holds it. */
  private async exclusively(vendIntentId: string, work: () => Promise<void>): Promise<void> {
    const running = this.busyIntents.get(vendIntentId);
    if (running) return running;
    const done = (async () => {
      // Never inside the caller's stack (a payment flow announcing its change): start on a fresh turn.
      await Promise.resolve();
      try {
        await work();
      } catch (error) {
        this.deps.logger.error({ err: error, vendIntentId }, 'vend step failed; the vend intent stays as journaled and is resolved later');
      }
    })().finally(() => this.busyIntents.delete(vendIntentId));
    this.busyIntents.set(vendIntentId, done);
    return done;
  }

  /** A vend left `vend-pending` or `unknown`: asks the machine, which never sends a second VEND for it. */
  private async resolveVend(vendIntentId: string): Promise<void> {
    const vend = this.vendIntent(vendIntentId);
    if (vend.state !== 'vend-pending' && vend.state !== 'unknown') return;
    const slot = slotOf(vend);
    if (!this.deps.deviceVends.findDirectVend(vendIntentId)) {
      // No sequence number was ever given, so no VEND can have reached the board.
      this.notDispensed(vend, { reason: 'not-sent', detail: 'the terminal stopped before the vend command was sent', inspect: false });
      return;
    }
    const outcome = await this.vendOnMachine(vendIntentId, slot, vend.amountMinor);
    this.applyOutcome(vendIntentId, outcome);
  }

  private paymentChanged(view: PaymentView): void {
    for (const child of this.deps.journal.childIntents(view.paymentIntentId)) {
      if (child.kind !== 'vend') continue;
      if (child.state === 'selected' && view.isFinal) void this.exclusively(child.id, () => this.settleSelection(child.id));
      else if (child.state === 'not-dispensed') this.emit(child.id); // its refund moved
    }
  }

  /** Safety net besides payment events: checks a live selection's payment until it is settled. */
  private watchSelection(vendIntentId: string): void {
    const check = () => {
      if (this.phase === 'stopped' || this.deps.journal.findIntent(vendIntentId)?.state !== 'selected') return;
      void this.exclusively(vendIntentId, () => this.settleSelection(vendIntentId));
      this.deps.timers.setTimer(check, this.paymentPollMs);
    };
    this.deps.timers.setTimer(check, this.paymentPollMs);
  }

  /** A selection whose payment is final: vend (paid, this run), refund (paid, earlier run) or cancel. */
  private async settleSelection(vendIntentId: string): Promise<void> {
    const vend = this.vendIntent(vendIntentId);
    if (vend.state !== 'selected' || !vend.parentIntentId) return;
    const payment = this.deps.payments.status(vend.parentIntentId);
    if (!payment.isFinal) return;
    if (!isPaidLikeState(payment.state)) {
      this.move(vend, 'cancelled', { reason: `payment ${payment.state}${payment.reason ? `: ${payment.reason}` : ''}; nothing vended` });
      this.live.delete(vendIntentId);
      this.emit(vendIntentId);
      return;
    }
    if (!this.live.has(vendIntentId)) {
      this.notDispensed(vend, { reason: 'not-vended-before-restart', detail: 'paid while the terminal was restarting; refunded instead of vending to nobody', inspect: false });
      return;
    }
    // Journal first: the vend is pending before the machine is asked (it then persists the sequence number before the VEND).
    this.move(vend, 'vend-pending', { paidAtMs: this.deps.clock.nowMs() });
    this.emit(vendIntentId);
    const outcome = await this.vendOnMachine(vendIntentId, slotOf(vend), vend.amountMinor);
    this.applyOutcome(vendIntentId, outcome);
  }

  private async vendOnMachine(vendId: string, slot: number, priceMinor: number): Promise<VendOutcome> {
    try {
      return await this.deps.machine.vend({ vendId, slot, priceMinor });
    } catch (error) {
      // The machine journals its own state before acting; a throw leaves the outcome open.
      return { kind: 'unknown', vendId, slot, detail: `vend failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private applyOutcome(vendIntentId: string, outcome: VendOutcome): void {
    const vend = this.vendIntent(vendIntentId);
    if (vend.isFinal) return;
    const sequence = this.deps.deviceVends.findDirectVend(vendIntentId)?.sequence ?? null;
    const slot = slotOf(vend);
    if (outcome.kind === 'dispensed') {
      const left = this.deps.journal.atomically(() => {
        this.move(vend, 'dispensed', { sequence, confirmedBy: outcome.confirmedBy, reason: null });
        return this.deps.journal.takeFromSlotStock(slot, { vendIntentId });
      });
      if (left === undefined) this.deps.logger.warn({ slot, vendIntentId }, 'dispensed from a slot whose recorded stock was already 0: recount the slot');
      this.deps.logger.info({ vendIntentId, slot, sequence, stockLeft: left }, 'vend dispensed');
      this.live.delete(vendIntentId);
      this.emit(vendIntentId);
      return;
    }
    if (outcome.kind === 'not-dispensed') {
      this.notDispensed(vend, { reason: outcome.reason, detail: outcome.detail, inspect: outcome.inspect, sequence });
      return;
    }
    if (vend.state !== 'unknown') {
      this.move(vend, 'unknown', { sequence, reason: outcome.detail });
    }
    this.deps.logger.warn({ vendIntentId, slot, sequence, detail: outcome.detail }, 'vend outcome unknown; resolving with the board before selling again');
    this.emit(vendIntentId);
    if (this.phase === 'ready') {
      this.phase = 'resolving';
      this.emit(undefined);
      this.cancelRetry?.();
      this.cancelRetry = this.deps.timers.setTimer(() => void this.resolveOpenVends(), this.resolveRetryMs);
    }
  }

  /**
   * Journals `not-dispensed` and the automatic refund of what is still refundable in ONE
   * transaction, then lets the payment service send the refund (idempotent by the refund id).
   */
  private notDispensed(vend: IntentRecord<'vend'>, outcome: { reason: string; detail: string; inspect: boolean; sequence?: number | null }): void {
    const paymentIntentId = vend.parentIntentId;
    const payment = paymentIntentId ? this.deps.payments.status(paymentIntentId) : undefined;
    const refundMinor = payment && isPaidLikeState(payment.state) ? payment.refundableMinor : 0;
    const refundId = this.newId();
    const reason = `automatic refund: not dispensed (${outcome.reason})`;
    this.deps.journal.atomically(() => {
      this.move(vend, 'not-dispensed', {
        reason: outcome.reason,
        failure: outcome.detail,
        inspect: outcome.inspect,
        sequence: outcome.sequence ?? this.deps.deviceVends.findDirectVend(vend.id)?.sequence ?? null,
        refundIntentId: refundMinor > 0 ? refundId : null,
      });
      if (payment && refundMinor > 0) {
        this.deps.journal.createIntent({
          id: refundId,
          kind: 'refund',
          orderId: payment.orderId,
          parentIntentId: payment.paymentIntentId,
          method: payment.method,
          amountMinor: refundMinor,
          state: 'refund-requested',
          isFinal: false,
          detail: { reason, requestedBy: null, isVoid: true, automatic: true, vendIntentId: vend.id },
        });
      }
    });
    this.live.delete(vend.id);
    this.deps.logger.warn({ vendIntentId: vend.id, reason: outcome.reason, inspect: outcome.inspect, refundId: refundMinor > 0 ? refundId : null, refundMinor }, 'vend not dispensed; refund journaled');
    this.emit(vend.id);
    if (payment && refundMinor > 0) {
      this.deps.payments.refund({ refundId, paymentIntentId: payment.paymentIntentId, reason, requestedBy: null }).then(
        () => this.emit(vend.id),
        (error: unknown) => this.deps.logger.error({ err: error, refundId }, 'automatic refund not sent yet; it stays journaled and is retried at the next start'),
      );
    }
  }

  private view(vend: IntentRecord<'vend'>): VendView {
    const refundId = stringOrNull(vend.detail.refundIntentId);
    const found = refundId ? this.deps.journal.findIntent(refundId) : undefined;
    const refund = found?.kind === 'refund' ? found : undefined;
    const sequence = typeof vend.detail.sequence === 'number' ? vend.detail.sequence : (this.deps.deviceVends.findDirectVend(vend.id)?.sequence ?? null);
    return {
      vendIntentId: vend.id,
      paymentIntentId: vend.parentIntentId ?? '',
      slot: slotOf(vend),
      state: vend.state,
      isFinal: vend.isFinal,
      reason: stringOrNull(vend.detail.reason),
      sequence,
      refund: refund ? { refundId: refund.id, amountMinor: refund.amountMinor, state: refund.state, isFinal: refund.isFinal } : null,
      updatedAtMs: Math.max(vend.updatedAtMs, refund?.updatedAtMs ?? 0),
    };
  }

  private emit(vendIntentId: string | undefined): void {
    if (!this.deps.onVendChanged) return;
    try {
      const found = vendIntentId ? this.deps.journal.findIntent(vendIntentId) : undefined;
      const vend = found && isVendIntent(found) ? found : undefined;
      this.deps.onVendChanged({ kiosk: this.kioskState(), vend: vend ? this.view(vend) : null });
    } catch (error) {
      this.deps.logger.error({ err: error, vendIntentId }, 'vend change listener failed');
    }
  }
}

function isVendIntent(intent: IntentRecord): intent is IntentRecord<'vend'> {
  return intent.kind === 'vend';
}

function slotOf(vend: IntentRecord<'vend'>): number {
  const slot = vend.detail.slot;
  if (typeof slot !== 'number') throw new VendServiceError('not-found', `vend intent "${vend.id}" has no slot in its detail`);
  return slot;
}
