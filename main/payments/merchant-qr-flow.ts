/**
 * Merchant-presented QR (the customer scans the terminal's code), as the state table in docs/payment-rules.md#merchant-presented-qr:
 *
 *   created → requesting → awaiting → paid                  (push or poll says paid)
 *                                   → closing → expired | cancelled | paid
 *                        → failed                           (definite error; nothing charged)
 *                        → unknown → paid | failed | closing (query by key with backoff)
 *
 * Every transition is journaled before the terminal acts on it. The payment id is the one
 * idempotency key for create, query and close; nothing here ever creates a second charge.
 * Push and poll run together while awaiting; the QR is closed at the provider when it expires
 * (default 60 s, Antom's recommended failure point) or when the cashier cancels.
 */
import type { IntentRecord } from '../../sync/store/journal.js';
import { fullJitterDelayMs, type BackoffPolicy } from '../../kernel/backoff.js';
import { sleep } from '../../kernel/timers.js';
import { failureDetail, intentMover, type FlowContext } from './flow-context.js';
import type { FlowControl } from './flow-control.js';
import { asPaymentBackendError, type ProviderPaymentStatus } from './payment-backend.js';
import { merchantQrMachine } from '../domain/payment-states.js';


const moveIntent = intentMover(merchantQrMachine);
export interface MerchantQrFlowOptions {
  /** How long a QR is offered before it is closed (the backend may shorten it). */
  readonly expiryMs: number;
  /** Poll interval while awaiting (push is the fast path). */
  readonly pollIntervalMs: number;
  /** Backoff for queries and closes that fail (unknown outcome, backend away). */
  readonly retry: BackoffPolicy;
  readonly random: () => number;
}

export const defaultMerchantQrFlowOptions: MerchantQrFlowOptions = {
  expiryMs: 60_000,
  pollIntervalMs: 3_000,
  retry: { baseMs: 1_000, capMs: 30_000 },
  random: Math.random,
};

type CloseReason = 'expired' | 'cancelled';

export class MerchantQrFlow {
  constructor(
    private readonly context: FlowContext,
    private readonly options: MerchantQrFlowOptions = defaultMerchantQrFlowOptions,
  ) {}

  /**
   * Drives the intent from whatever state the journal holds until it is final, or until
   * `control.stop` aborts (then the journaled state is left for the start-up resolver).
   * `resumed` is true when the intent was found open at start-up (its in-memory context is gone).
   */
  async run(intentId: string, control: FlowControl, resumed = false): Promise<IntentRecord> {
    for (;;) {
      const intent = this.context.journal.getIntent(intentId);
      if (intent.isFinal || control.stop.aborted) return intent;
      switch (intent.state) {
        case 'created':
          if (resumed) {
            // Journal first means `created` was never sent: nothing can have been charged.
            moveIntent(this.context, intentId, 'created', 'requesting');
            moveIntent(this.context, intentId, 'requesting', 'failed', { reason: 'the terminal stopped before asking the backend; nothing was charged' });
          } else {
            await this.request(intent);
          }
          break;
        case 'requesting':
          // Only seen after a crash: the create may or may not have reached the backend.
          moveIntent(this.context, intentId, 'requesting', 'unknown', { reason: 'the terminal stopped while the backend was being asked' });
          break;
        case 'awaiting':
          if (resumed) {
            // Nobody can see the QR any more: close it (the provider answers `paid` if it was paid).
            moveIntent(this.context, intentId, 'awaiting', 'closing', { closeReason: 'expired', reason: 'the terminal restarted while the QR was shown' });
          } else {
            await this.await(intent, control);
          }
          break;
        case 'unknown':
          await this.resolveUnknown(intent, control);
          break;
        case 'closing':
          await this.close(intent, control);
          break;
        default:
          throw new Error(`merchant QR intent ${intentId} is in state "${intent.state}", which this flow does not know`);
      }
    }
  }

  private async request(intent: IntentRecord): Promise<void> {
    moveIntent(this.context, intent.id, 'created', 'requesting');
    try {
      const created = await this.context.backend.createMerchantPayment({
        paymentId: intent.id,
        orderId: intent.orderId ?? intent.id,
        amountMinor: intent.amountMinor,
        currency: 'CNY',
        description: String(intent.detail.description ?? 'sale'),
        expiresInMs: this.options.expiryMs,
      });
      const expiresInMs = Math.max(0, Math.min(created.expiresInMs, this.options.expiryMs));
      moveIntent(this.context, intent.id, 'requesting', 'awaiting', {
        qrContent: created.qrContent,
        expiresInMs,
        expiresAtMs: this.context.clock.nowMs() + expiresInMs,
        provider: created.provider ?? null,
      });
    } catch (caught) {
      const error = asPaymentBackendError(caught);
      moveIntent(this.context, intent.id, 'requesting', error.outcomeUnknown ? 'unknown' : 'failed', failureDetail(error));
    }
  }

  private async await(intent: IntentRecord, control: FlowControl): Promise<void> {
    const expiresInMs = typeof intent.detail.expiresInMs === 'number' ? intent.detail.expiresInMs : this.options.expiryMs;
    const deadlineMs = this.context.timers.monotonicNowMs() + expiresInMs;
    let pushed: ProviderPaymentStatus | undefined;
    let wake = new AbortController();
    const unsubscribe = this.context.backend.subscribe(intent.id, (status) => {
      pushed = status;
      wake.abort();
    });
    try {
      for (;;) {
        if (pushed?.state === 'paid') {
          moveIntent(this.context, intent.id, 'awaiting', 'paid', { confirmedBy: 'push', provider: pushed.provider ?? intent.detail.provider ?? null });
          return;
        }
        if (control.stop.aborted) return;
        if (control.cancel.aborted) {
          moveIntent(this.context, intent.id, 'awaiting', 'closing', { closeReason: 'cancelled' });
          return;
        }
        const leftMs = deadlineMs - this.context.timers.monotonicNowMs();
        if (leftMs <= 0) {
          moveIntent(this.context, intent.id, 'awaiting', 'closing', { closeReason: 'expired' });
          return;
        }
        if (wake.signal.aborted) wake = new AbortController();
        const slept = await sleep(this.context.timers, Math.min(this.options.pollIntervalMs, leftMs), AbortSignal.any([wake.signal, control.cancel, control.stop]));
        if (!slept) continue;
        try {
          const status = await this.context.backend.queryPayment(intent.id);
          if (status.state === 'paid') {
            moveIntent(this.context, intent.id, 'awaiting', 'paid', { confirmedBy: 'poll', provider: status.provider ?? intent.detail.provider ?? null });
            return;
          }
        } catch (caught) {
          // A failed poll changes nothing: push may still arrive, the next poll retries, and the
          // expiry closes the payment at the provider.
          this.context.logger.warn({ intentId: intent.id, err: asPaymentBackendError(caught).message }, 'payment poll failed');
        }
      }
    } finally {
      unsubscribe();
    }
  }

  private async resolveUnknown(intent: IntentRecord, control: FlowControl): Promise<void> {
    for (let attempt = 1; !control.stop.aborted; attempt += 1) {
      try {
        const status = await this.context.backend.queryPayment(intent.id);
        switch (status.state) {
          case 'paid':
            moveIntent(this.context, intent.id, 'unknown', 'paid', { confirmedBy: 'query', provider: status.provider ?? null });
            return;
          case 'unknown':
            await sleep(this.context.timers, fullJitterDelayMs(attempt, this.options.retry, this.options.random), control.stop);
            continue;
          case 'pending':
          case 'user-paying':
            // The QR was never shown: close it so nobody can pay it later.
            moveIntent(this.context, intent.id, 'unknown', 'closing', { closeReason: control.cancel.aborted ? 'cancelled' : 'expired' });
            return;
          default:
            moveIntent(this.context, intent.id, 'unknown', 'failed', { reason: `the backend reports the payment as ${status.state}: nothing was charged`, providerState: status.state });
            return;
        }
      } catch (caught) {
        const error = asPaymentBackendError(caught);
        this.context.logger.warn({ intentId: intent.id, attempt, err: error.message }, 'query of an unknown payment failed; retrying');
        await sleep(this.context.timers, fullJitterDelayMs(attempt, this.options.retry, this.options.random), control.stop);
      }
    }
  }

  private async close(intent: IntentRecord, control: FlowControl): Promise<void> {
    const closeReason: CloseReason = intent.detail.closeReason === 'cancelled' ? 'cancelled' : 'expired';
    for (let attempt = 1; !control.stop.aborted; attempt += 1) {
      try {
        const status = await this.context.backend.closePayment(intent.id);
        if (status.state === 'paid') {
          moveIntent(this.context, intent.id, 'closing', 'paid', { confirmedBy: 'close', provider: status.provider ?? intent.detail.provider ?? null });
          return;
        }
        if (status.state !== 'pending' && status.state !== 'user-paying' && status.state !== 'unknown') {
          moveIntent(this.context, intent.id, 'closing', closeReason, { providerState: status.state });
          return;
        }
        // The customer is confirming right now: the provider will not close yet; ask again.
      } catch (caught) {
        this.context.logger.warn({ intentId: intent.id, attempt, err: asPaymentBackendError(caught).message }, 'closing the payment failed; retrying');
      }
      await sleep(this.context.timers, fullJitterDelayMs(attempt, this.options.retry, this.options.random), control.stop);
    }
  }
}
