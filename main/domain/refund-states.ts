/**
 * Refund intent states: journaled `refund-requested` before anything is sent, then `refunded` or
 * `refund-failed` once definite. The only place their spelling lives.
 */
import { z } from 'zod';
import type { StateMachine } from './state-machine.js';

export const refundStates = ['refund-requested', 'refunded', 'refund-failed'] as const;
export type RefundState = (typeof refundStates)[number];
export const refundStateSchema = z.enum(refundStates);

export const refundMachine = {
  'refund-requested': ['refunded', 'refund-failed'],
  refunded: [],
  'refund-failed': [],
} as const satisfies StateMachine<RefundState>;
