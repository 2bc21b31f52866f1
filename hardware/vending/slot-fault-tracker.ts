/**
 * Counts failed vends per slot and takes a slot out of sale after `maxFailuresInARow` failures in
 * a row, or at once when an outcome needs inspection
 * (docs/vend-rules.md#slots-out-of-sale). State lives in the `VendStateStore`, so a slot out of
 * sale stays out across restarts until a technician returns it.
 */
import type { Clock } from '../../kernel/clock.js';
import type { VendStateStore } from './vend-state-store.js';
import type { SlotOutOfSale, VendOutcome } from './vending-machine.js';

export class SlotFaultTracker {
  private readonly listeners = new Set<(slot: SlotOutOfSale) => void>();

  constructor(
    private readonly machineId: string,
    private readonly store: VendStateStore,
    private readonly clock: Clock,
    private readonly maxFailuresInARow: number,
  ) {
    if (!Number.isInteger(maxFailuresInARow) || maxFailuresInARow < 1) throw new RangeError(`maxFailuresInARow must be a positive integer, got ${String(maxFailuresInARow)}`);
  }

  isOutOfSale(slot: number): boolean {
    return this.store.slotHealth(this.machineId, slot).outOfSale;
  }

  /** Updates the slot's count from a final outcome; 'unknown' outcomes do not count yet. */
  record(outcome: VendOutcome): void {
    if (outcome.kind === 'unknown' || (outcome.kind === 'not-dispensed' && outcome.reason === 'slot-out-of-sale')) return;
    const before = this.store.slotHealth(this.machineId, outcome.slot);
    if (outcome.kind === 'dispensed') {
      if (before.consecutiveFailures !== 0) this.store.saveSlotHealth(this.machineId, outcome.slot, { ...before, consecutiveFailures: 0 }, this.clock.nowMs());
      return;
    }
    const consecutiveFailures = before.consecutiveFailures + 1;
    const takeOut = !before.outOfSale && (outcome.inspect || consecutiveFailures >= this.maxFailuresInARow);
    const reason = takeOut
      ? outcome.inspect
        ? `needs inspection: ${outcome.reason} (${outcome.detail})`
        : `${consecutiveFailures} failed vends in a row, last: ${outcome.reason}`
      : before.reason;
    this.store.saveSlotHealth(this.machineId, outcome.slot, { consecutiveFailures, outOfSale: before.outOfSale || takeOut, reason }, this.clock.nowMs());
    if (takeOut) {
      const report = { slot: outcome.slot, reason, consecutiveFailures };
      for (const listener of [...this.listeners]) listener(report);
    }
  }

  returnToSale(slot: number): void {
    this.store.saveSlotHealth(this.machineId, slot, { consecutiveFailures: 0, outOfSale: false, reason: null }, this.clock.nowMs());
  }

  slotsOutOfSale(): SlotOutOfSale[] {
    return this.store.slotsOutOfSale(this.machineId);
  }

  onOutOfSale(listener: (slot: SlotOutOfSale) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
