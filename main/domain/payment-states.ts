/**
 * Payment intent states: one state machine per way of paying, the union every payment state
 * belongs to (with its zod enum for the contract), and the one definition of "paid-like". The
 * journal stores states as text; this module is the only place their spelling lives.
 */
import { z } from 'zod';
import type { StateMachine } from './state-machine.js';

export const paymentStates = [
  'created',
  'requesting',
  'awaiting',
  'paying',
  'polling',
  'unknown',
  'closing',
  'reversing',
  'paid',
  'failed',
  'expired',
  'cancelled',
  'refunded',
  'accepted-offline',
  'settled',
  'rejected',
] as const;
export type PaymentState = (typeof paymentStates)[number];
export const paymentStateSchema = z.enum(paymentStates);

/**
 * Merchant-presented QR: created → requesting → awaiting → paid; closing when it expires or the
 * cashier cancels (the provider may still answer paid); unknown when the create's outcome is not
 * known (queried with the same key).
 */
export const merchantQrMachine = {
  created: ['requesting'],
  requesting: ['awaiting', 'unknown', 'failed'],
  awaiting: ['paid', 'closing'],
  unknown: ['paid', 'closing', 'failed'],
  closing: ['paid', 'expired', 'cancelled'],
  paid: [],
  failed: [],
  expired: [],
  cancelled: [],
} as const satisfies StateMachine<Extract<PaymentState, 'created' | 'requesting' | 'awaiting' | 'unknown' | 'closing' | 'paid' | 'failed' | 'expired' | 'cancelled'>>;
export type MerchantQrState = keyof typeof merchantQrMachine;

/**
 * Customer-presented code: created → paying → paid | failed | polling | unknown; reversing when
 * not paid in time or cancelled, which ends cancelled, refunded (it had been paid) or paid.
 */
export const customerCodeMachine = {
  created: ['paying', 'failed'],
  paying: ['paid', 'failed', 'polling', 'unknown'],
  polling: ['paid', 'failed', 'reversing'],
  unknown: ['paid', 'failed', 'polling', 'reversing'],
  reversing: ['paid', 'cancelled', 'refunded'],
  paid: [],
  failed: [],
  cancelled: [],
  refunded: [],
} as const satisfies StateMachine<Extract<PaymentState, 'created' | 'paying' | 'polling' | 'unknown' | 'reversing' | 'paid' | 'failed' | 'cancelled' | 'refunded'>>;
export type CustomerCodeState = keyof typeof customerCodeMachine;

/** Offline-code payments: accepted under the caps, then settled or rejected by the backend once forwarded. */
export const offlineCodeMachine = {
  'accepted-offline': ['settled', 'rejected'],
  settled: [],
  rejected: [],
} as const satisfies StateMachine<Extract<PaymentState, 'accepted-offline' | 'settled' | 'rejected'>>;
export type OfflineCodeState = keyof typeof offlineCodeMachine;

/** Cash is journaled paid, final, together with its order. */
export const cashMachine = { paid: [] } as const satisfies StateMachine<Extract<PaymentState, 'paid'>>;

/**
 * Paid-like: the customer's money counts as received. The sale is complete (its receipt prints,
 * the UI shows it paid, `terminal sale` exits 0). `accepted-offline` is paid-like although not
 * final: the backend may still reject the code once it is forwarded.
 */
export const paidLikeStates = ['paid', 'accepted-offline', 'settled'] as const satisfies readonly PaymentState[];
export type PaidLikeState = (typeof paidLikeStates)[number];

export function isPaidLikeState(state: string): state is PaidLikeState {
  return (paidLikeStates as readonly string[]).includes(state);
}

/** Paid-like and confirmed: what may be refunded (an offline payment only once the backend settled it). */
export const refundablePaymentStates = ['paid', 'settled'] as const satisfies readonly PaidLikeState[];
export type RefundablePaymentState = (typeof refundablePaymentStates)[number];

export function isRefundablePaymentState(state: string): state is RefundablePaymentState {
  return (refundablePaymentStates as readonly string[]).includes(state);
}

/** Payment methods as journaled on the intent. */
export const paymentMethods = ['qr', 'code', 'cash', 'offline-code'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];
export const paymentMethodSchema = z.enum(paymentMethods);
