/**
 * Refunds and voids (docs/refund-rules.md): journaled as `refund-requested` with their own
 * key before anything is said to the customer; sent when online, kept while offline and retried
 * until definite: `refunded`, or `refund-failed` with the provider's reason.
 *
 * The refund id is the idempotency key end to end: the same request id from the UI finds the same
 * intent (no second refund), and every retry to the backend reuses it. Partial refunds never exceed
 * what was paid minus what was refunded or is being refunded (`refund-failed` ones do not count).
 */
import type { IntentRecord } from '../../sync/store/journal.js';
import { fullJitterDelayMs, type BackoffPolicy } from '../../kernel/backoff.js';
import { sleep } from '../../kernel/timers.js';
import { intentMover, type FlowContext } from './flow-context.js';
import type { FlowControl } from './flow-control.js';
import { asPaymentBackendError } from './payment-backend.js';
import { isRefundablePaymentState } from '../domain/payment-states.js';
import { refundMachine } from '../domain/refund-states.js';


const moveIntent = intentMover(refundMachine);
export type RefundErrorCode = 'not-found' | 'not-refundable' | 'exceeds-refundable' | 'key-reused';

export class RefundError extends Error {
  override readonly name = 'RefundError';
  constructor(
    readonly code: RefundErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RefundRequestInput {
  /** Client-generated key of this refund (the idempotency key). */
  readonly refundId: string;
  readonly paymentIntentId: string;
  /** Omitted: everything still refundable (a void). */
  readonly amountMinor?: number | undefined;
  readonly reason: string;
  readonly requestedBy: string | null;
}

export interface RefundFlowOptions {
  readonly retry: BackoffPolicy;
  readonly random: () => number;
}

export const defaultRefundFlowOptions: RefundFlowOptions = { retry: { baseMs: 2_000, capMs: 60_000 }, random: Math.random };

export class RefundFlow {
  constructor(
    private readonly context: FlowContext,
    private readonly options: RefundFlowOptions = defaultRefundFlowOptions,
  ) {}

  /** Paid minus refunded-or-refunding, in minor units. */
  refundableMinor(payment: IntentRecord): number {
    const committed = this.context.journal
      .childIntents(payment.id)
      .filter((child) => child.kind === 'refund' && child.state !== 'refund-failed')
      .reduce((sum, child) => sum + child.amountMinor, 0);
    return Math.max(payment.amountMinor - committed, 0);
  }

  /**
   * Journals the refund request (or finds the one with the same key) and returns it. Runs in one
   * synchronous step, so the cap check and the insert cannot interleave with another request.
   * Throws `RefundError` when the payment is unknown or not paid, the amount exceeds what is left,
   * or the key was used for a different payment or amount.
   */
  request(input: RefundRequestInput): IntentRecord {
    const existing = this.context.journal.findIntent(input.refundId);
    if (existing) {
      const sameRequest = existing.kind === 'refund' && existing.parentIntentId === input.paymentIntentId && (input.amountMinor === undefined || input.amountMinor === existing.amountMinor);
      if (!sameRequest) throw new RefundError('key-reused', `the refund key "${input.refundId}" was already used for a different refund`);
      return existing;
    }
    const payment = this.context.journal.findIntent(input.paymentIntentId);
    if (!payment || payment.kind !== 'payment') throw new RefundError('not-found', `no payment "${input.paymentIntentId}"`);
    if (!isRefundablePaymentState(payment.state)) {
      throw new RefundError('not-refundable', `payment "${payment.id}" is ${payment.state}; only paid payments can be refunded`);
    }
    const leftMinor = this.refundableMinor(payment);
    const amountMinor = input.amountMinor ?? leftMinor;
    if (amountMinor <= 0 || amountMinor > leftMinor) {
      throw new RefundError('exceeds-refundable', `at most ${leftMinor} fen of payment "${payment.id}" can still be refunded; asked for ${amountMinor}`);
    }
    const intent = this.context.journal.createIntent({
      id: input.refundId,
      kind: 'refund',
      orderId: payment.orderId,
      parentIntentId: payment.id,
      method: payment.method,
      amountMinor,
      state: 'refund-requested',
      isFinal: false,
      detail: { reason: input.reason, requestedBy: input.requestedBy, isVoid: input.amountMinor === undefined },
    });
    this.context.onChange(intent);
    return intent;
  }

  /**
   * One attempt to make the refund definite; never throws for backend trouble (the intent then
   * stays `refund-requested`, queued for `run`). Cash is paid out by the cashier at once.
   */
  async attempt(refundId: string): Promise<IntentRecord> {
    const intent = this.context.journal.getIntent(refundId);
    if (intent.isFinal) return intent;
    if (intent.method === 'cash') return moveIntent(this.context, refundId, 'refund-requested', 'refunded', { paidOutBy: 'cashier' });
    try {
      const outcome = await this.context.backend.refund({
        refundId,
        paymentId: intent.parentIntentId ?? '',
        amountMinor: intent.amountMinor,
        reason: String(intent.detail.reason ?? ''),
      });
      if (outcome.state === 'refunded') return moveIntent(this.context, refundId, 'refund-requested', 'refunded');
      if (outcome.state === 'refund-failed') return moveIntent(this.context, refundId, 'refund-requested', 'refund-failed', { reason: outcome.reason ?? 'refused by the provider' });
    } catch (caught) {
      const error = asPaymentBackendError(caught);
      if (error.code === 'rejected') return moveIntent(this.context, refundId, 'refund-requested', 'refund-failed', { reason: error.message, errorCode: error.code });
      this.context.logger.warn({ refundId, err: error.message }, 'refund not confirmed yet; will retry');
    }
    return this.context.journal.getIntent(refundId);
  }

  /**
   * Retries until the refund is definite (or `control.stop`), with capped full-jitter backoff.
   * `afterFailedAttempt`: the caller has just tried once, so start by waiting.
   */
  async run(refundId: string, control: FlowControl, afterFailedAttempt = false): Promise<IntentRecord> {
    for (let attempt = 1; ; attempt += 1) {
      if (afterFailedAttempt || attempt > 1) {
        const current = this.context.journal.getIntent(refundId);
        if (current.isFinal) return current;
        await sleep(this.context.timers, fullJitterDelayMs(attempt, this.options.retry, this.options.random), control.stop);
      }
      if (control.stop.aborted) return this.context.journal.getIntent(refundId);
      const intent = await this.attempt(refundId);
      if (intent.isFinal) return intent;
    }
  }
}
