/**
 * `VendStateStore` in memory: for tests, simulators and `terminal vend-test`, where nothing needs
 * to survive the process. Same contract as the SQLite store, minus durability.
 */
import type { CashlessReaderState } from '../protocols/mdb/qibixx-cashless-line.js';
import {
  finalDirectVendStates,
  finalMdbVendStates,
  VendStateStoreError,
  type DirectVendChange,
  type DirectVendRecord,
  type MdbVendRecord,
  type MdbVendState,
  type SlotHealth,
  type VendStateStore,
} from './vend-state-store.js';

const healthy: SlotHealth = { consecutiveFailures: 0, outOfSale: false, reason: null };

export class MemoryVendStateStore implements VendStateStore {
  private readonly directVends = new Map<string, DirectVendRecord>();
  private readonly lastSequence = new Map<string, number>();
  private readonly health = new Map<string, SlotHealth>();
  private readonly readerStates = new Map<string, CashlessReaderState>();
  private readonly mdbVends = new Map<string, MdbVendRecord>();

  /** Continues MACHINEID's numbering after LASTSEQUENCE (e.g. what the board reports as its last one). */
  continueSequenceAfter(machineId: string, lastSequence: number): void {
    this.lastSequence.set(machineId, lastSequence);
  }

  beginDirectVend(input: { vendId: string; machineId: string; slot: number; atMs: number }): DirectVendRecord {
    const existing = this.directVends.get(input.vendId);
    if (existing) return existing;
    const last = this.lastSequence.get(input.machineId) ?? 0;
    const sequence = last >= 0xffff ? 1 : last + 1;
    this.lastSequence.set(input.machineId, sequence);
    const record: DirectVendRecord = { vendId: input.vendId, machineId: input.machineId, slot: input.slot, sequence, state: 'vend-pending', reason: null, inspect: false, updatedAtMs: input.atMs };
    this.directVends.set(input.vendId, record);
    return record;
  }

  findDirectVend(vendId: string): DirectVendRecord | undefined {
    return this.directVends.get(vendId);
  }

  updateDirectVend(vendId: string, change: DirectVendChange): DirectVendRecord {
    const existing = this.directVends.get(vendId);
    if (!existing) throw new VendStateStoreError(`no direct vend ${vendId}`);
    const updated: DirectVendRecord = {
      ...existing,
      state: change.state,
      reason: change.reason === undefined ? existing.reason : change.reason,
      inspect: change.inspect ?? existing.inspect,
      updatedAtMs: change.atMs,
    };
    this.directVends.set(vendId, updated);
    return updated;
  }

  openDirectVends(machineId: string): DirectVendRecord[] {
    return [...this.directVends.values()].filter((record) => record.machineId === machineId && !finalDirectVendStates.includes(record.state));
  }

  slotHealth(machineId: string, slot: number): SlotHealth {
    return this.health.get(`${machineId}#${slot}`) ?? healthy;
  }

  saveSlotHealth(machineId: string, slot: number, health: SlotHealth): void {
    this.health.set(`${machineId}#${slot}`, health);
  }

  slotsOutOfSale(machineId: string): { slot: number; reason: string | null; consecutiveFailures: number }[] {
    return [...this.health.entries()]
      .filter(([key, health]) => key.startsWith(`${machineId}#`) && health.outOfSale)
      .map(([key, health]) => ({ slot: Number(key.slice(machineId.length + 1)), reason: health.reason, consecutiveFailures: health.consecutiveFailures }))
      .sort((a, b) => a.slot - b.slot);
  }

  mdbReaderState(adapterId: string): CashlessReaderState {
    return this.readerStates.get(adapterId) ?? 'inactive';
  }

  saveMdbReaderState(adapterId: string, state: CashlessReaderState): void {
    this.readerStates.set(adapterId, state);
  }

  recordMdbVend(record: MdbVendRecord): void {
    if (this.mdbVends.has(record.vendId)) throw new VendStateStoreError(`MDB vend ${record.vendId} already recorded`);
    this.mdbVends.set(record.vendId, record);
  }

  findMdbVend(vendId: string): MdbVendRecord | undefined {
    return this.mdbVends.get(vendId);
  }

  updateMdbVend(vendId: string, change: { state: MdbVendState; reason?: string | null | undefined; atMs: number }): MdbVendRecord {
    const existing = this.mdbVends.get(vendId);
    if (!existing) throw new VendStateStoreError(`no MDB vend ${vendId}`);
    const updated: MdbVendRecord = { ...existing, state: change.state, reason: change.reason === undefined ? existing.reason : change.reason, updatedAtMs: change.atMs };
    this.mdbVends.set(vendId, updated);
    return updated;
  }

  openMdbVends(adapterId: string): MdbVendRecord[] {
    return [...this.mdbVends.values()].filter((record) => record.adapterId === adapterId && !finalMdbVendStates.includes(record.state));
  }
}
