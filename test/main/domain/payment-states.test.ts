import { describe, expect, it } from 'vitest';
import {
  cashMachine,
  customerCodeMachine,
  isPaidLikeState,
  isRefundablePaymentState,
  merchantQrMachine,
  offlineCodeMachine,
  paymentStates,
  paymentStateSchema,
} from '../../../main/domain/payment-states.js';
import { refundMachine, refundStates } from '../../../main/domain/refund-states.js';
import { isFinalIn, type StateMachine } from '../../../main/domain/state-machine.js';
import { vendMachine, vendStates } from '../../../main/domain/vend-states.js';

const paymentMachines: [string, StateMachine<string>][] = [
  ['merchant QR', merchantQrMachine],
  ['customer code', customerCodeMachine],
  ['offline code', offlineCodeMachine],
  ['cash', cashMachine],
];

describe('paid-like payment states (the one definition)', () => {
  it('counts paid, accepted-offline and settled as money received, and nothing else', () => {
    expect(paymentStates.filter(isPaidLikeState)).toEqual(['paid', 'accepted-offline', 'settled']);
    expect(isPaidLikeState('refund-requested')).toBe(false);
    expect(isPaidLikeState('PAID')).toBe(false);
  });

  it('refunds only confirmed money: paid and settled, not an offline payment the backend has not settled', () => {
    expect(paymentStates.filter(isRefundablePaymentState)).toEqual(['paid', 'settled']);
    for (const state of paymentStates) if (isRefundablePaymentState(state)) expect(isPaidLikeState(state)).toBe(true);
  });
});

describe('state machines', () => {
  it.each(paymentMachines)('%s: every state and successor is a payment state, every successor has its own row', (_name, machine) => {
    for (const [state, next] of Object.entries(machine)) {
      expect(paymentStates).toContain(state);
      for (const to of next) expect(Object.keys(machine)).toContain(to);
    }
  });

  it('marks as final exactly the states with no way out', () => {
    const finals = new Set(paymentMachines.flatMap(([, machine]) => Object.keys(machine).filter((state) => isFinalIn(machine, state))));
    expect([...finals].sort()).toEqual(['cancelled', 'expired', 'failed', 'paid', 'refunded', 'rejected', 'settled']);
    expect(isFinalIn(offlineCodeMachine, 'accepted-offline')).toBe(false);
    expect(refundStates.filter((state) => isFinalIn(refundMachine, state))).toEqual(['refunded', 'refund-failed']);
    expect(vendStates.filter((state) => isFinalIn(vendMachine, state))).toEqual(['dispensed', 'not-dispensed', 'cancelled']);
  });

  it('keeps every vend successor inside the vend states', () => {
    for (const next of Object.values(vendMachine)) for (const to of next) expect(vendStates).toContain(to);
  });

  it('validates payment states on the contract with the same list', () => {
    for (const state of paymentStates) expect(paymentStateSchema.parse(state)).toBe(state);
    expect(paymentStateSchema.safeParse('payed').success).toBe(false);
  });
});
