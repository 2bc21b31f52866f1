/**
 * Vend states, the only place their spelling lives: the kiosk's vend intents in the journal, and
 * the device-level records the vending machines keep (direct drive, MDB cashless).
 */
import { z } from 'zod';
import type { StateMachine } from './state-machine.js';

/**
 * A kiosk vend intent: `selected` (waiting for its payment) → `vend-pending` (paid; journaled
 * before the board is asked) → `dispensed` | `not-dispensed` (refunded) | `unknown` (asked again
 * with the same sequence number); `cancelled` when the payment ended unpaid; a selection paid
 * while the terminal restarted goes straight to `not-dispensed` (refunded, never vended).
 */
export const vendStates = ['selected', 'vend-pending', 'unknown', 'dispensed', 'not-dispensed', 'cancelled'] as const;
export type VendState = (typeof vendStates)[number];
export const vendStateSchema = z.enum(vendStates);

export const vendMachine = {
  selected: ['vend-pending', 'cancelled', 'not-dispensed'],
  'vend-pending': ['dispensed', 'not-dispensed', 'unknown'],
  unknown: ['dispensed', 'not-dispensed'],
  dispensed: [],
  'not-dispensed': [],
  cancelled: [],
} as const satisfies StateMachine<VendState>;

/** A direct-drive vend as the machine records it (dispense board or relay). */
export const directVendStates = ['vend-pending', 'dispensing', 'unknown', 'dispensed', 'not-dispensed'] as const;
export type DirectVendState = (typeof directVendStates)[number];
export const finalDirectVendStates: readonly DirectVendState[] = ['dispensed', 'not-dispensed'];

/** An MDB cashless session as the adapter records it; `vmc-gave-up` waits for the payment's outcome. */
export const mdbVendStates = ['vend-requested', 'vmc-gave-up', 'approving', 'denied', 'dispensed', 'not-dispensed'] as const;
export type MdbVendState = (typeof mdbVendStates)[number];
export const finalMdbVendStates: readonly MdbVendState[] = ['denied', 'dispensed', 'not-dispensed'];
