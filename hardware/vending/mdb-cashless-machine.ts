/**
 * The kiosk as the cashless reader of an MDB vending machine controller (VMC), through a Qibixx
 * text adapter (see qibixx-cashless-line.ts). Follows docs/vend-rules.md#mdb-cashless:
 *
 *   enabled → VMC asks VEND price,item → vend-requested (persisted; `onVendRequested` listeners
 *   start a payment) → paid: `approve` journals 'approving' THEN sends `C,VEND,<amount>`
 *   → VEND SUCCESS → dispensed | VEND FAIL / session end / timeout → not-dispensed (refund)
 *   → payment failed / expired / cancelled: `deny` sends `C,VEND,-1` → denied
 *   → the VMC gave up first (session back to idle/enabled) → 'vmc-gave-up'; a payment that
 *     completes afterwards gets not-dispensed ('vmc-gave-up'): refund, the race is real.
 *
 * Reader states (inactive → disabled → enabled → idle → vend) and every session are persisted in
 * the VendStateStore, so `start()` after a crash resolves what was open: a session that was
 * 'approving' ends not-dispensed ('session-ended', refund); one still 'vend-requested' becomes
 * 'vmc-gave-up' (re-enabling the reader resets the VMC's session), so a late payment is refunded.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import { encodeCashlessCommand, parseAdapterLine, type AdapterEvent, type CashlessCommand, type CashlessReaderState } from '../protocols/mdb/qibixx-cashless-line.js';
import { TextLineDecoder } from '../protocols/mdb/text-line-decoder.js';
import type { Transport } from '../transports/transport.js';
import type { MdbVendRecord, VendStateStore } from './vend-state-store.js';
import type { NotDispensedReason, SlotOutOfSale, VendingMachine, VendOutcome, VendRequest } from './vending-machine.js';

export interface MdbCashlessMachineOptions {
  /** Stable id of this adapter in the store. */
  readonly adapterId: string;
  /** An opened transport to the adapter (serial, 115200 on Qibixx MDB-USB); closed by `close()`. */
  readonly transport: Transport;
  readonly store: VendStateStore;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Id of each new vend session (the vend intent's key); random UUIDs by default. */
  readonly newId?: () => string;
  /** After approving, how long to wait for VEND SUCCESS/FAIL. Default 60000 ms. */
  readonly resultTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** A selection the VMC asks the kiosk to pay for. */
export interface MdbVendRequested {
  readonly vendId: string;
  readonly item: number;
  readonly priceMinor: number;
}

export class MdbCashlessMachine implements VendingMachine {
  readonly description: string;
  private readonly lines = new TextLineDecoder();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly requestedListeners = new Set<(request: MdbVendRequested) => void>();
  private readonly gaveUpListeners = new Set<(record: MdbVendRecord) => void>();
  /** The session the VMC currently holds open, if any. */
  private liveVendId: string | undefined;
  private approval: { readonly vendId: string; readonly promise: Promise<VendOutcome>; readonly settle: (outcome: VendOutcome) => void } | undefined;
  private readonly newId: () => string;
  private readonly resultTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: MdbCashlessMachineOptions) {
    this.description = `MDB cashless adapter ${options.adapterId} on ${options.transport.description}`;
    this.newId = options.newId ?? randomUUID;
    this.resultTimeoutMs = options.resultTimeoutMs ?? 60_000;
    this.log = options.log ?? (() => undefined);
    this.unsubscribe.push(
      options.transport.on('data', (chunk) => this.receive(chunk)),
      options.transport.on('disconnect', (cause) => {
        this.log(`disconnected: ${cause.message}`);
        this.endLiveSession('adapter disconnected');
      }),
    );
  }

  /** Resolves sessions a previous run left open (see module comment), then enables the reader (`C,1`). */
  async start(): Promise<VendOutcome[]> {
    const outcomes = await this.resolvePending();
    await this.send({ type: 'enable' });
    return outcomes;
  }

  readerState(): CashlessReaderState {
    return this.options.store.mdbReaderState(this.options.adapterId);
  }

  onVendRequested(listener: (request: MdbVendRequested) => void): () => void {
    this.requestedListeners.add(listener);
    return () => {
      this.requestedListeners.delete(listener);
    };
  }

  /** The VMC ended a session before it was approved or denied (customer cancelled, VMC timeout). */
  onVmcGaveUp(listener: (record: MdbVendRecord) => void): () => void {
    this.gaveUpListeners.add(listener);
    return () => {
      this.gaveUpListeners.delete(listener);
    };
  }

  /** `vend` for MDB: approve the VMC's pending session VENDID (paid), checking item and price. */
  async vend(request: VendRequest): Promise<VendOutcome> {
    const record = this.options.store.findMdbVend(request.vendId);
    if (record && (record.item !== request.slot || record.priceMinor !== request.priceMinor) && record.state === 'vend-requested') {
      return this.finish(record, 'price-mismatch', `VMC asked ${record.priceMinor} fen for item ${record.item}, the selection says ${request.priceMinor} fen for item ${request.slot}`);
    }
    return this.approve(request.vendId);
  }

  /** The payment for VENDID succeeded: approve the VMC's vend and wait for its result. */
  async approve(vendId: string): Promise<VendOutcome> {
    const { store, clock } = this.options;
    const record = store.findMdbVend(vendId);
    if (!record) return { kind: 'not-dispensed', vendId, slot: 0, reason: 'no-such-vend', detail: `no MDB session ${vendId}`, inspect: false };
    if (this.approval?.vendId === vendId) return this.approval.promise;
    switch (record.state) {
      case 'dispensed':
        return { kind: 'dispensed', vendId, slot: record.item, confirmedBy: 'vmc' };
      case 'not-dispensed':
      case 'denied':
        return { kind: 'not-dispensed', vendId, slot: record.item, reason: (record.reason ?? 'session-ended') as NotDispensedReason, detail: `recorded outcome: ${record.state}`, inspect: false };
      case 'vmc-gave-up':
        return this.finish(record, 'vmc-gave-up', 'paid after the VMC gave up the session: refund');
      case 'approving':
        return this.finish(record, 'session-ended', 'approval was in flight when the session was lost: refund');
      case 'vend-requested':
        break;
    }
    if (this.liveVendId !== vendId) return this.finish(record, 'vmc-gave-up', 'the VMC no longer holds this session: refund');
    // Journal first: 'approving' is durable before the VMC can dispense.
    store.updateMdbVend(vendId, { state: 'approving', atMs: clock.nowMs() });
    let settle: (outcome: VendOutcome) => void = () => undefined;
    const promise = new Promise<VendOutcome>((resolve) => (settle = resolve));
    const cancelTimer = this.options.timers.setTimer(() => {
      this.settleApproval('session-ended', `no VEND result within ${this.resultTimeoutMs} ms`);
      void this.send({ type: 'stop' }).catch((error: unknown) => this.log(`C,STOP failed: ${(error as Error).message}`));
    }, this.resultTimeoutMs);
    this.approval = {
      vendId,
      promise,
      settle: (outcome) => {
        cancelTimer();
        settle(outcome);
      },
    };
    try {
      await this.send({ type: 'approve', amountMinor: record.priceMinor });
    } catch (error) {
      this.settleApproval('session-ended', `approval not sent: ${(error as Error).message}`);
    }
    return promise;
  }

  /** The payment for VENDID failed, expired or was cancelled: deny the VMC's vend (`C,VEND,-1`). */
  async deny(vendId: string, reason = 'payment not completed'): Promise<void> {
    const { store, clock } = this.options;
    const record = store.findMdbVend(vendId);
    if (!record || (record.state !== 'vend-requested' && record.state !== 'vmc-gave-up')) return;
    store.updateMdbVend(vendId, { state: 'denied', reason, atMs: clock.nowMs() });
    if (this.liveVendId === vendId) {
      this.liveVendId = undefined;
      await this.send({ type: 'deny' });
    }
  }

  async resolvePending(): Promise<VendOutcome[]> {
    const outcomes: VendOutcome[] = [];
    for (const record of this.options.store.openMdbVends(this.options.adapterId)) {
      if (record.vendId === this.liveVendId || record.vendId === this.approval?.vendId) continue;
      if (record.state === 'approving') outcomes.push(this.finish(record, 'session-ended', 'restarted while the VMC was vending: no VEND SUCCESS was seen, refund'));
      else if (record.state === 'vend-requested') this.gaveUp(record, 'session lost in a restart');
    }
    return outcomes;
  }

  /** The VMC picks the items; slot health is the VMC's business. */
  slotsOutOfSale(): SlotOutOfSale[] {
    return [];
  }

  returnSlotToSale(): void {
    // Nothing to return: the VMC takes its own items out of sale.
  }

  onSlotOutOfSale(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    await this.options.transport.close();
  }

  private async send(command: CashlessCommand): Promise<void> {
    const line = encodeCashlessCommand(command);
    this.log(`tx ${line}`);
    await this.options.transport.write(new TextEncoder().encode(`${line}\n`));
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.lines.push(chunk)) {
      if (!result.ok) {
        this.log(`rx line too long (${result.error.length} bytes), dropped`);
        continue;
      }
      this.log(`rx ${result.line}`);
      const parsed = parseAdapterLine(result.line);
      if (!parsed.ok) {
        this.log(`rx bad line: ${parsed.error.reason}`);
        continue;
      }
      try {
        this.handle(parsed.value);
      } catch (error) {
        // A store failure must not crash the device or leave the VMC waiting: log it, and a vend
        // request that could not be journaled is denied (nothing may be approved without a record).
        this.log(`cannot handle "${result.line}": ${(error as Error).message}`);
        if (parsed.value.type === 'vend-request') void this.send({ type: 'deny' }).catch((sendError: unknown) => this.log(`deny not sent: ${(sendError as Error).message}`));
      }
    }
  }

  private handle(event: AdapterEvent): void {
    const { store, clock, adapterId } = this.options;
    switch (event.type) {
      case 'status':
        store.saveMdbReaderState(adapterId, event.state, clock.nowMs());
        this.endLiveSession(`reader went ${event.state}`);
        return;
      case 'vend-request': {
        this.endLiveSession('superseded by a new vend request');
        const record: MdbVendRecord = { vendId: this.newId(), adapterId, item: event.item, priceMinor: event.priceMinor, state: 'vend-requested', reason: null, updatedAtMs: clock.nowMs() };
        store.recordMdbVend(record);
        store.saveMdbReaderState(adapterId, 'vend', clock.nowMs());
        this.liveVendId = record.vendId;
        for (const listener of [...this.requestedListeners]) listener({ vendId: record.vendId, item: record.item, priceMinor: record.priceMinor });
        return;
      }
      case 'vend-succeeded':
        if (this.approval) {
          const approval = this.approval;
          this.approval = undefined;
          this.liveVendId = undefined;
          const record = store.updateMdbVend(approval.vendId, { state: 'dispensed', reason: null, atMs: clock.nowMs() });
          approval.settle({ kind: 'dispensed', vendId: record.vendId, slot: record.item, confirmedBy: 'vmc' });
        } else {
          this.log('VEND SUCCESS without an approved vend: ignored');
        }
        return;
      case 'vend-failed':
        if (this.approval) this.settleApproval('vend-failed', `VMC reported ${event.detail}`);
        else this.log(`VEND failure without an approved vend: ${event.detail}`);
        return;
      case 'error':
        this.log(`adapter error: ${event.detail}`);
        return;
      case 'ack':
        return;
    }
  }

  /** The VMC's session ended (status change, disconnect): settle whatever was live. */
  private endLiveSession(why: string): void {
    if (this.approval) {
      this.settleApproval('session-ended', `${why} before VEND SUCCESS`);
      return;
    }
    const vendId = this.liveVendId;
    if (vendId === undefined) return;
    this.liveVendId = undefined;
    const record = this.options.store.findMdbVend(vendId);
    if (record?.state === 'vend-requested') this.gaveUp(record, why);
  }

  private gaveUp(record: MdbVendRecord, why: string): void {
    const updated = this.options.store.updateMdbVend(record.vendId, { state: 'vmc-gave-up', reason: why, atMs: this.options.clock.nowMs() });
    for (const listener of [...this.gaveUpListeners]) listener(updated);
  }

  private settleApproval(reason: NotDispensedReason, detail: string): void {
    const approval = this.approval;
    if (!approval) return;
    this.approval = undefined;
    this.liveVendId = undefined;
    const record = this.options.store.findMdbVend(approval.vendId);
    if (record) approval.settle(this.finish(record, reason, detail));
  }

  private finish(record: MdbVendRecord, reason: NotDispensedReason, detail: string): VendOutcome {
    this.options.store.updateMdbVend(record.vendId, { state: 'not-dispensed', reason, atMs: this.options.clock.nowMs() });
    return { kind: 'not-dispensed', vendId: record.vendId, slot: record.item, reason, detail, inspect: false };
  }
}
