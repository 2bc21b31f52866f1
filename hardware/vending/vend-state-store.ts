/**
 * Where vending devices persist what they are about to do, so a crash or power loss mid-vend is
 * resolved instead of repeated (docs/principles.md#journal-first, docs/principles.md#unknown-is-a-state).
 *
 * Contract for every implementation (memory here; SQLite in sync/store/vend-state-store.ts, which
 * matches this interface structurally because sync/ and hardware/ never import each other):
 * - Every method is synchronous; a method that changes state has made it durable when it returns,
 *   so the caller may then act on it (send the command, tell the customer).
 * - `beginDirectVend` is idempotent per `vendId`: the first call allocates the machine's next
 *   sequence number (1..65535, wrapping, never 0) and records the vend as 'vend-pending'; later
 *   calls return the stored record unchanged. A retry therefore never gets a new sequence number.
 * - Unknown ids passed to `update…` throw `VendStateStoreError`.
 */
import type { DirectVendState, MdbVendState } from '../../main/domain/vend-states.js';
import type { CashlessReaderState } from '../protocols/mdb/qibixx-cashless-line.js';

/** Direct drive (dispense board or relay) and MDB cashless states: main/domain/vend-states.ts. */
export { finalDirectVendStates, finalMdbVendStates, type DirectVendState, type MdbVendState } from '../../main/domain/vend-states.js';

export interface DirectVendRecord {
  readonly vendId: string;
  readonly machineId: string;
  readonly slot: number;
  /** The board sequence number of this vend, fixed before the first command is sent. */
  readonly sequence: number;
  readonly state: DirectVendState;
  readonly reason: string | null;
  /** The slot needs a technician before it sells again. */
  readonly inspect: boolean;
  readonly updatedAtMs: number;
}

export interface DirectVendChange {
  readonly state: DirectVendState;
  readonly reason?: string | null | undefined;
  readonly inspect?: boolean | undefined;
  readonly atMs: number;
}

export interface SlotHealth {
  readonly consecutiveFailures: number;
  readonly outOfSale: boolean;
  readonly reason: string | null;
}

export interface MdbVendRecord {
  readonly vendId: string;
  readonly adapterId: string;
  readonly item: number;
  readonly priceMinor: number;
  readonly state: MdbVendState;
  readonly reason: string | null;
  readonly updatedAtMs: number;
}

export interface VendStateStore {
  beginDirectVend(input: { readonly vendId: string; readonly machineId: string; readonly slot: number; readonly atMs: number }): DirectVendRecord;
  findDirectVend(vendId: string): DirectVendRecord | undefined;
  updateDirectVend(vendId: string, change: DirectVendChange): DirectVendRecord;
  /** Vends of MACHINEID not in a final state, oldest first. */
  openDirectVends(machineId: string): DirectVendRecord[];

  /** Health of one slot; a slot never seen is healthy. */
  slotHealth(machineId: string, slot: number): SlotHealth;
  saveSlotHealth(machineId: string, slot: number, health: SlotHealth, atMs: number): void;
  slotsOutOfSale(machineId: string): { readonly slot: number; readonly reason: string | null; readonly consecutiveFailures: number }[];

  /** Last reader state the adapter reported; 'inactive' when never seen. */
  mdbReaderState(adapterId: string): CashlessReaderState;
  saveMdbReaderState(adapterId: string, state: CashlessReaderState, atMs: number): void;
  recordMdbVend(record: MdbVendRecord): void;
  findMdbVend(vendId: string): MdbVendRecord | undefined;
  updateMdbVend(vendId: string, change: { readonly state: MdbVendState; readonly reason?: string | null | undefined; readonly atMs: number }): MdbVendRecord;
  /** Sessions of ADAPTERID not in a final state, oldest first. */
  openMdbVends(adapterId: string): MdbVendRecord[];
}

export class VendStateStoreError extends Error {
  override readonly name = 'VendStateStoreError';
}
