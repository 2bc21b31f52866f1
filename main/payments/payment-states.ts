/**
 * The intent states of docs/payment-rules.md#payment-states, one union per flow, and which of them are final. The journal
 * stores them as text; these lists are the only place their spelling lives.
 */
export const merchantQrStates = ['created', 'requesting', 'awaiting', 'unknown', 'closing', 'paid', 'failed', 'expired', 'cancelled'] as const;
export type MerchantQrState = (typeof merchantQrStates)[number];

export const customerCodeStates = ['created', 'paying', 'polling', 'unknown', 'reversing', 'paid', 'failed', 'cancelled', 'refunded'] as const;
export type CustomerCodeState = (typeof customerCodeStates)[number];

/** Offline-code payments: accepted under the caps, forwarded on reconnect. */
export const offlineCodeStates = ['accepted-offline', 'settled', 'rejected'] as const;
export type OfflineCodeState = (typeof offlineCodeStates)[number];

export const refundStates = ['refund-requested', 'refunded', 'refund-failed'] as const;
export type RefundState = (typeof refundStates)[number];

export type PaymentState = MerchantQrState | CustomerCodeState | OfflineCodeState;

const finalStates: ReadonlySet<string> = new Set(['paid', 'failed', 'expired', 'cancelled', 'refunded', 'settled', 'rejected', 'refund-failed']);

export function isFinalState(state: string): boolean {
  return finalStates.has(state);
}

/** Payment methods as journaled on the intent. */
export type PaymentMethod = 'qr' | 'code' | 'cash' | 'offline-code';

/** States in which a payment counts as money received (refundable). */
export function isPaidState(state: string): boolean {
  return state === 'paid' || state === 'settled' || state === 'accepted-offline';
}
