/**
 * The one verb set the kiosk uses for every kind of vending hardware: a dispense board (direct
 * drive with a drop sensor), relay modules (direct drive, no feedback) and an MDB vending machine
 * controller behind a cashless text adapter.
 *
 * Contract:
 * - `vend` is idempotent per `vendId` (the vend intent's key): calling it again never dispenses
 *   again; it returns the recorded outcome or resolves the open one by querying.
 * - 'dispensed': the product was delivered (drop sensor, VMC VEND SUCCESS, or for relays a full
 *   pulse, which no sensor confirms: see `confirmedBy`).
 * - 'not-dispensed': nothing was delivered, or the device cannot tell and a technician must look
 *   (`inspect`); any money taken for it is to be refunded (the caller journals the refund intent
 *   in the same transaction as the outcome).
 * - 'unknown': the device did not answer; the vend stays open and `resolvePending()` resolves it
 *   later with the same sequence number. Never sell that slot's selection again meanwhile.
 */
export interface VendRequest {
  /** The vend intent's id: idempotency key for every retry and query. */
  readonly vendId: string;
  /** Slot (direct drive) or MDB item number. */
  readonly slot: number;
  /** What the customer paid, fen (MDB approves this amount). */
  readonly priceMinor: number;
}

export type NotDispensedReason =
  | 'jam'
  | 'motor-fault'
  | 'no-drop'
  | 'board-lost-state'
  | 'refused'
  | 'slot-out-of-sale'
  | 'not-sent'
  | 'relay-stuck'
  | 'cannot-verify'
  | 'vend-failed'
  | 'vmc-gave-up'
  | 'session-ended'
  | 'price-mismatch'
  | 'no-such-vend';

export type VendOutcome =
  | { readonly kind: 'dispensed'; readonly vendId: string; readonly slot: number; readonly confirmedBy: 'drop-sensor' | 'vmc' | 'pulse-only' }
  | { readonly kind: 'not-dispensed'; readonly vendId: string; readonly slot: number; readonly reason: NotDispensedReason; readonly detail: string; readonly inspect: boolean }
  | { readonly kind: 'unknown'; readonly vendId: string; readonly slot: number; readonly detail: string };

export interface SlotOutOfSale {
  readonly slot: number;
  readonly reason: string | null;
  readonly consecutiveFailures: number;
}

export interface VendingMachine {
  /** For logs: kind and address, e.g. `dispense board on serial:/dev/ttyUSB0`. */
  readonly description: string;
  vend(request: VendRequest): Promise<VendOutcome>;
  /** Resolves every vend a crash or silence left open (docs/vend-rules.md#open-vends-at-start-up). */
  resolvePending(): Promise<VendOutcome[]>;
  slotsOutOfSale(): SlotOutOfSale[];
  /** A technician cleared the slot: it sells again and its failure count restarts. */
  returnSlotToSale(slot: number): void;
  /** Called when a slot is taken out of sale (N failures in a row, or an inspect outcome). */
  onSlotOutOfSale(listener: (slot: SlotOutOfSale) => void): () => void;
  close(): Promise<void>;
}
