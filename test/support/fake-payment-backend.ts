/**
 * An in-memory `PaymentBackend` for flow tests. It keeps one record per payment id (so a repeated
 * create or pay with the same key is a replay, never a second charge), counts the charges, and
 * lets a test script faults: `fail(method, error, { afterCommit })` makes the next call of METHOD
 * throw, either before doing anything or after applying it (a dropped answer).
 */
import {
  PaymentBackendError,
  type CreateMerchantPaymentRequest,
  type MerchantPaymentCreated,
  type PaymentBackend,
  type PaymentBackendErrorCode,
  type PayWithCodeRequest,
  type ProviderPaymentState,
  type ProviderPaymentStatus,
  type RefundOutcome,
  type RefundRequest,
} from '../../main/payments/payment-backend.js';

type Method = 'createMerchantPayment' | 'payWithCode' | 'queryPayment' | 'closePayment' | 'reversePayment' | 'refund';

export interface FakePayment {
  readonly paymentId: string;
  readonly flow: 'qr' | 'code';
  readonly amountMinor: number;
  state: ProviderPaymentState;
  /** Times money was actually taken for this id (must never exceed 1). */
  charges: number;
  refundedMinor: number;
}

interface Fault {
  readonly code: PaymentBackendErrorCode;
  readonly afterCommit: boolean;
}

export class FakePaymentBackend implements PaymentBackend {
  readonly payments = new Map<string, FakePayment>();
  readonly refunds = new Map<string, { paymentId: string; amountMinor: number; state: RefundOutcome['state'] }>();
  readonly calls: { method: Method; id: string }[] = [];
  /** What a pay call answers: paid at once, user still paying, declined (40004), or no definite answer. */
  payBehaviour: 'pay' | 'user-paying' | 'decline' | 'unknown' = 'pay';
  /** Whether reverse is refused while the user is paying (WeChat). */
  refuseReverseWhileUserPaying = false;
  /** Refunds answer `pending` this many times before becoming definite. */
  refundPendingAnswers = 0;
  refundOutcome: 'refunded' | 'refund-failed' = 'refunded';
  private readonly faults = new Map<Method, Fault[]>();
  private readonly listeners = new Map<string, Set<(status: ProviderPaymentStatus) => void>>();

  fail(method: Method, code: PaymentBackendErrorCode, options: { afterCommit?: boolean; times?: number } = {}): void {
    const queue = this.faults.get(method) ?? [];
    for (let index = 0; index < (options.times ?? 1); index += 1) queue.push({ code, afterCommit: options.afterCommit ?? false });
    this.faults.set(method, queue);
  }

  /** The customer pays a shown QR (or finishes confirming a code payment); pushes the result. */
  customerPays(paymentId: string, push = true): void {
    const payment = this.require(paymentId);
    if (payment.state === 'paid') return;
    payment.state = 'paid';
    payment.charges += 1;
    if (push) this.push(paymentId, { state: 'paid', provider: 'sandbox' });
  }

  totalCharges(): number {
    return [...this.payments.values()].reduce((sum, payment) => sum + payment.charges, 0);
  }

  callsOf(method: Method): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  private async call<T>(method: Method, id: string, work: () => T): Promise<T> {
    this.calls.push({ method, id });
    await Promise.resolve();
    const fault = this.faults.get(method)?.shift();
    if (fault && !fault.afterCommit) throw new PaymentBackendError(fault.code, `scripted ${fault.code} before ${method}`);
    const result = work();
    if (fault) throw new PaymentBackendError(fault.code, `scripted ${fault.code} after ${method} took effect`);
    return result;
  }

  private require(paymentId: string): FakePayment {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new Error(`fake backend: no payment ${paymentId}`);
    return payment;
  }

  private push(paymentId: string, status: ProviderPaymentStatus): void {
    for (const listener of this.listeners.get(paymentId) ?? []) listener(status);
  }

  createMerchantPayment(request: CreateMerchantPaymentRequest): Promise<MerchantPaymentCreated> {
    return this.call('createMerchantPayment', request.paymentId, () => {
      if (!this.payments.has(request.paymentId)) {
        this.payments.set(request.paymentId, { paymentId: request.paymentId, flow: 'qr', amountMinor: request.amountMinor, state: 'pending', charges: 0, refundedMinor: 0 });
      }
      return { qrContent: `sandbox://pay/${request.paymentId}`, expiresInMs: request.expiresInMs, provider: 'sandbox' };
    });
  }

  payWithCode(request: PayWithCodeRequest): Promise<ProviderPaymentStatus> {
    return this.call('payWithCode', request.paymentId, () => {
      const existing = this.payments.get(request.paymentId);
      if (existing) return { state: existing.state };
      const payment: FakePayment = { paymentId: request.paymentId, flow: 'code', amountMinor: request.amountMinor, state: 'pending', charges: 0, refundedMinor: 0 };
      this.payments.set(request.paymentId, payment);
      switch (this.payBehaviour) {
        case 'pay':
          payment.state = 'paid';
          payment.charges = 1;
          return { state: 'paid', provider: 'sandbox' };
        case 'user-paying':
          payment.state = 'user-paying';
          return { state: 'user-paying' };
        case 'decline':
          payment.state = 'failed';
          return { state: 'failed', reason: '40004 ACQ.PAYMENT_AUTH_CODE_INVALID' };
        case 'unknown':
          payment.state = 'paid';
          payment.charges = 1;
          return { state: 'unknown' };
      }
    });
  }

  queryPayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.call('queryPayment', paymentId, () => {
      const payment = this.payments.get(paymentId);
      return payment ? { state: payment.state, provider: 'sandbox' } : { state: 'not-found' };
    });
  }

  closePayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.call('closePayment', paymentId, () => {
      const payment = this.payments.get(paymentId);
      if (!payment) return { state: 'not-found' };
      if (payment.state === 'paid') return { state: 'paid', provider: 'sandbox' };
      payment.state = 'closed';
      return { state: 'closed' };
    });
  }

  reversePayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.call('reversePayment', paymentId, () => {
      const payment = this.payments.get(paymentId);
      if (!payment) return { state: 'not-found' };
      if (payment.state === 'user-paying' && this.refuseReverseWhileUserPaying) return { state: 'user-paying' };
      if (payment.state === 'paid' || payment.state === 'refunded') {
        payment.state = 'refunded';
        payment.refundedMinor = payment.amountMinor;
        return { state: 'refunded' };
      }
      payment.state = 'reversed';
      return { state: 'reversed' };
    });
  }

  refund(request: RefundRequest): Promise<RefundOutcome> {
    return this.call('refund', request.refundId, () => {
      const existing = this.refunds.get(request.refundId);
      if (existing && existing.state !== 'pending') return { state: existing.state };
      const payment = this.require(request.paymentId);
      if (!existing) {
        payment.refundedMinor += request.amountMinor;
        if (payment.refundedMinor > payment.amountMinor) throw new Error(`fake backend: refunds of ${request.paymentId} exceed what was paid`);
      }
      const state: RefundOutcome['state'] = this.refundPendingAnswers > 0 ? 'pending' : this.refundOutcome;
      if (this.refundPendingAnswers > 0) this.refundPendingAnswers -= 1;
      this.refunds.set(request.refundId, { paymentId: request.paymentId, amountMinor: request.amountMinor, state });
      return { state, reason: state === 'refund-failed' ? 'ACQ.TRADE_HAS_FINISHED' : undefined };
    });
  }

  subscribe(paymentId: string, listener: (status: ProviderPaymentStatus) => void): () => void {
    const set = this.listeners.get(paymentId) ?? new Set();
    set.add(listener);
    this.listeners.set(paymentId, set);
    return () => set.delete(listener);
  }
}
