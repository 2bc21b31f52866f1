/**
 * Direct drive through relay modules: each slot's motor hangs on one relay channel, and a vend is
 * a pulse of that slot's configured length. Relays give no feedback (no drop sensor, no state
 * read-back), so:
 * - a complete pulse is 'dispensed' with `confirmedBy: 'pulse-only'`;
 * - the relay never switched on (write refused) → 'not-dispensed' ('not-sent');
 * - switched on but the off command failed → 'not-dispensed' + inspect ('relay-stuck'): the
 *   motor may still be running, nobody can tell what dropped;
 * - a vend open at start-up (crash mid-pulse) → all relays switched off, 'not-dispensed' +
 *   inspect ('cannot-verify'), per docs/vend-rules.md#when-the-board-cannot-tell.
 * The vend is persisted ('vend-pending') before the relay is switched on.
 */
import type { Clock } from '../../kernel/clock.js';
import { sleep, type Timers } from '../../kernel/timers.js';
import { encodeHidRelayReport } from '../protocols/relay/hid-relay-report.js';
import { encodeLcusSwitch } from '../protocols/relay/lcus-relay-frame.js';
import type { Transport } from '../transports/transport.js';
import { SlotFaultTracker } from './slot-fault-tracker.js';
import type { DirectVendRecord, VendStateStore } from './vend-state-store.js';
import type { SlotOutOfSale, VendingMachine, VendOutcome, VendRequest } from './vending-machine.js';

/** Switches one relay channel; rejects when the command could not be handed to the device. */
export interface RelaySwitch {
  readonly description: string;
  setRelay(channel: number, on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** LCUS serial relays: `A0 ch op sum` written to an opened serial Transport. */
export function lcusRelaySwitch(transport: Transport): RelaySwitch {
  return {
    description: `LCUS relays on ${transport.description}`,
    setRelay: (channel, on) => transport.write(encodeLcusSwitch({ channel, on })),
    close: () => transport.close(),
  };
}

/**
 * What a dcttech relay needs from a HID device: one feature report, `report[0]` the report id.
 * `HidTransport` from hardware/transports satisfies it.
 */
export interface HidFeatureReportWriter {
  readonly description: string;
  sendFeatureReport(report: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** dcttech/usbrelay HID relays: feature report `00 FF ch …` on, `00 FD ch …` off. */
export function hidRelaySwitch(device: HidFeatureReportWriter): RelaySwitch {
  return {
    description: `HID relays on ${device.description}`,
    setRelay: (channel, on) => device.sendFeatureReport(encodeHidRelayReport(channel, on)),
    close: () => device.close(),
  };
}

export interface RelaySlot {
  readonly channel: number;
  /** How long the motor runs for one product, ms. */
  readonly pulseMs: number;
}

export interface RelayVendingMachineOptions {
  readonly machineId: string;
  readonly relays: RelaySwitch;
  /** Slot number → its relay channel and pulse length. */
  readonly slots: ReadonlyMap<number, RelaySlot>;
  readonly store: VendStateStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly maxFailuresInARow?: number;
}

export class RelayVendingMachine implements VendingMachine {
  readonly description: string;
  private readonly faults: SlotFaultTracker;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RelayVendingMachineOptions) {
    this.description = `relay vending ${options.machineId} (${options.relays.description})`;
    this.faults = new SlotFaultTracker(options.machineId, options.store, options.clock, options.maxFailuresInARow ?? 3);
  }

  vend(request: VendRequest): Promise<VendOutcome> {
    return this.serialized(() => this.runVend(request));
  }

  resolvePending(): Promise<VendOutcome[]> {
    return this.serialized(async () => {
      const open = this.options.store.openDirectVends(this.options.machineId);
      if (open.length === 0) return [];
      for (const { channel } of this.options.slots.values()) {
        await this.options.relays.setRelay(channel, false).catch(() => undefined /* best effort: the outcome below already says inspect */);
      }
      return open.map((record) => this.settle(record, { kind: 'not-dispensed', vendId: record.vendId, slot: record.slot, reason: 'cannot-verify', detail: 'a pulse was interrupted by a restart; relays cannot tell what dropped', inspect: true }));
    });
  }

  slotsOutOfSale(): SlotOutOfSale[] {
    return this.faults.slotsOutOfSale();
  }

  returnSlotToSale(slot: number): void {
    this.faults.returnToSale(slot);
  }

  onSlotOutOfSale(listener: (slot: SlotOutOfSale) => void): () => void {
    return this.faults.onOutOfSale(listener);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.options.relays.close();
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runVend(request: VendRequest): Promise<VendOutcome> {
    const { store, clock, machineId, relays, timers } = this.options;
    const existing = store.findDirectVend(request.vendId);
    if (existing?.state === 'dispensed') return { kind: 'dispensed', vendId: existing.vendId, slot: existing.slot, confirmedBy: 'pulse-only' };
    if (existing) return { kind: 'not-dispensed', vendId: existing.vendId, slot: existing.slot, reason: 'cannot-verify', detail: `vend already ${existing.state}; relays cannot be asked`, inspect: existing.inspect };
    const slot = this.options.slots.get(request.slot);
    const refuse = (reason: 'slot-out-of-sale' | 'not-sent', detail: string): VendOutcome => ({ kind: 'not-dispensed', vendId: request.vendId, slot: request.slot, reason, detail, inspect: false });
    if (!slot) return refuse('not-sent', `slot ${request.slot} has no relay configured`);
    if (this.faults.isOutOfSale(request.slot)) return refuse('slot-out-of-sale', `slot ${request.slot} is out of sale`);
    const record = store.beginDirectVend({ vendId: request.vendId, machineId, slot: request.slot, atMs: clock.nowMs() });
    try {
      await relays.setRelay(slot.channel, true);
    } catch (error) {
      return this.settle(record, { kind: 'not-dispensed', vendId: record.vendId, slot: record.slot, reason: 'not-sent', detail: `relay ${slot.channel} did not switch on: ${(error as Error).message}`, inspect: false });
    }
    store.updateDirectVend(record.vendId, { state: 'dispensing', atMs: clock.nowMs() });
    await sleep(timers, slot.pulseMs);
    try {
      await relays.setRelay(slot.channel, false);
    } catch (error) {
      return this.settle(record, { kind: 'not-dispensed', vendId: record.vendId, slot: record.slot, reason: 'relay-stuck', detail: `relay ${slot.channel} did not switch off: ${(error as Error).message}`, inspect: true });
    }
    return this.settle(record, { kind: 'dispensed', vendId: record.vendId, slot: record.slot, confirmedBy: 'pulse-only' });
  }

  private settle(record: DirectVendRecord, outcome: VendOutcome): VendOutcome {
    const change =
      outcome.kind === 'not-dispensed'
        ? { state: 'not-dispensed' as const, reason: outcome.reason, inspect: outcome.inspect, atMs: this.options.clock.nowMs() }
        : { state: 'dispensed' as const, reason: null, atMs: this.options.clock.nowMs() };
    this.options.store.updateDirectVend(record.vendId, change);
    this.faults.record(outcome);
    return outcome;
  }
}
