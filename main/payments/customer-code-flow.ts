/**
 * Customer-presented code (the terminal scans the customer's code), as the table in docs/payment-rules.md#customer-presented-code:
 *
 *   created → paying → paid
 *                    → polling   (USERPAYING / 10003: query every 5 s)  → paid | reversing
 *                    → unknown   (timeout, 5xx, bad answer: query, then reverse) → paid | polling | failed | reversing
 *                    → failed    (definite failure, Alipay 40004)
 *   reversing → cancelled | refunded (it had been paid and the reversal refunded it) | paid
 *
 * Timing (docs/payment-rules.md#reversal-deadlines): reverse when still unpaid 30 s after the pay call; WeChat micropay must not
 * be reversed earlier than 15 s after the pay call (WeChat "micropay" best practice: "wait at
 * least 15 seconds before calling reverse") and refuses to reverse while USERPAYING (retried).
 * The same payment id is the key for pay, query and reverse; a payment is never paid twice.
 */
import type { IntentRecord } from '../../sync/store/journal.js';
import { fullJitterDelayMs, type BackoffPolicy } from '../../kernel/backoff.js';
import { sleep } from '../../kernel/timers.js';
import { failureDetail, intentMover, type FlowContext } from './flow-context.js';
import type { FlowControl } from './flow-control.js';
import { asPaymentBackendError } from './payment-backend.js';
import { customerCodeMachine } from '../domain/payment-states.js';


const moveIntent = intentMover(customerCodeMachine);
export interface CustomerCodeFlowOptions {
  /** Query interval while the user is still paying or the outcome is unknown. */
  readonly queryIntervalMs: number;
  /** Reverse when not paid this long after the pay call. */
  readonly reverseAfterMs: number;
  /** WeChat: never reverse earlier than this after the pay call. */
  readonly wechatMinReverseDelayMs: number;
  readonly retry: BackoffPolicy;
  readonly random: () => number;
}

export const defaultCustomerCodeFlowOptions: CustomerCodeFlowOptions = {
  queryIntervalMs: 5_000,
  reverseAfterMs: 30_000,
  wechatMinReverseDelayMs: 15_000,
  retry: { baseMs: 1_000, capMs: 30_000 },
  random: Math.random,
};

export class CustomerCodeFlow {
  /** Monotonic time of the pay call per intent, for flows started in this process. */
  private readonly payStartedMono = new Map<string, number>();

  constructor(
    private readonly context: FlowContext,
    private readonly options: CustomerCodeFlowOptions = defaultCustomerCodeFlowOptions,
  ) {}

  /**
   * Drives the intent until final or until `control.stop` aborts. `resumed` marks an intent found
   * open at start-up: its pay time is then only known from the wall clock, which may have jumped,
   * so the elapsed time is bounded to [0, reverseAfterMs] and WeChat waits its full 15 s again.
   */
  async run(intentId: string, control: FlowControl, resumed = false): Promise<IntentRecord> {
    if (resumed && !this.payStartedMono.has(intentId)) {
      const intent = this.context.journal.getIntent(intentId);
      const payAtMs = typeof intent.detail.payAtMs === 'number' ? intent.detail.payAtMs : this.context.clock.nowMs();
      const wallElapsedMs = Math.min(Math.max(this.context.clock.nowMs() - payAtMs, 0), this.options.reverseAfterMs);
      const nowMono = this.context.timers.monotonicNowMs();
      this.payStartedMono.set(intentId, nowMono - wallElapsedMs);
      this.wechatNotBeforeMono.set(intentId, nowMono + this.options.wechatMinReverseDelayMs);
    }
    try {
      for (;;) {
        const intent = this.context.journal.getIntent(intentId);
        if (intent.isFinal || control.stop.aborted) return intent;
        switch (intent.state) {
          case 'created':
            if (resumed) {
              moveIntent(this.context, intentId, 'created', 'failed', { reason: 'the terminal stopped before the code was sent; nothing was charged' });
            } else {
              await this.pay(intent);
            }
            break;
          case 'paying':
            // Only seen after a crash: the pay call may have reached the provider.
            moveIntent(this.context, intentId, 'paying', 'unknown', { reason: 'the terminal stopped while the code was being paid' });
            break;
          case 'polling':
            await this.query(intent, control, 'polling');
            break;
          case 'unknown':
            await this.query(intent, control, 'unknown');
            break;
          case 'reversing':
            await this.reverse(intent, control);
            break;
          default:
            throw new Error(`customer-code intent ${intentId} is in state "${intent.state}", which this flow does not know`);
        }
      }
    } finally {
      const final = this.context.journal.getIntent(intentId);
      if (final.isFinal) {
        this.payStartedMono.delete(intentId);
        this.wechatNotBeforeMono.delete(intentId);
      }
    }
  }

  private readonly wechatNotBeforeMono = new Map<string, number>();

  private elapsedSincePayMs(intentId: string): number {
    const started = this.payStartedMono.get(intentId);
    return started === undefined ? this.options.reverseAfterMs : this.context.timers.monotonicNowMs() - started;
  }

  private async pay(intent: IntentRecord): Promise<void> {
    const code = String(intent.detail.code ?? '');
    this.payStartedMono.set(intent.id, this.context.timers.monotonicNowMs());
    this.wechatNotBeforeMono.set(intent.id, this.context.timers.monotonicNowMs() + this.options.wechatMinReverseDelayMs);
    moveIntent(this.context, intent.id, 'created', 'paying', { payAtMs: this.context.clock.nowMs() });
    try {
      const status = await this.context.backend.payWithCode({
        paymentId: intent.id,
        orderId: intent.orderId ?? intent.id,
        amountMinor: intent.amountMinor,
        currency: 'CNY',
        code,
        description: String(intent.detail.description ?? 'sale'),
      });
      if (status.state === 'paid') moveIntent(this.context, intent.id, 'paying', 'paid', { confirmedBy: 'pay', provider: status.provider ?? null });
      else if (status.state === 'failed') moveIntent(this.context, intent.id, 'paying', 'failed', { reason: status.reason ?? 'declined by the provider', providerState: status.state });
      else if (status.state === 'unknown') moveIntent(this.context, intent.id, 'paying', 'unknown', { providerState: status.state, reason: 'the provider gave no definite answer' });
      else moveIntent(this.context, intent.id, 'paying', 'polling', { providerState: status.state });
    } catch (caught) {
      const error = asPaymentBackendError(caught);
      // `unreachable`, `rejected`, `clock-skew`: the request was not processed; nothing was charged.
      moveIntent(this.context, intent.id, 'paying', error.outcomeUnknown ? 'unknown' : 'failed', failureDetail(error));
    }
  }

  /** Queries every `queryIntervalMs` (first at once when the outcome is unknown) until resolved or 30 s passed. */
  private async query(intent: IntentRecord, control: FlowControl, from: 'polling' | 'unknown'): Promise<void> {
    let first = from === 'unknown';
    for (;;) {
      if (control.stop.aborted) return;
      // An unknown outcome is always queried once before anything else: it may well be paid.
      if (!first && (control.cancel.aborted || this.elapsedSincePayMs(intent.id) >= this.options.reverseAfterMs)) {
        moveIntent(this.context, intent.id, from, 'reversing', { reverseReason: control.cancel.aborted ? 'cancelled by the cashier' : 'not paid in time' });
        return;
      }
      if (!first) {
        const untilReverseMs = this.options.reverseAfterMs - this.elapsedSincePayMs(intent.id);
        await sleep(this.context.timers, Math.min(this.options.queryIntervalMs, Math.max(untilReverseMs, 0)), AbortSignal.any([control.cancel, control.stop]));
        if (control.stop.aborted || control.cancel.aborted) continue;
      }
      first = false;
      try {
        const status = await this.context.backend.queryPayment(intent.id);
        if (status.state === 'paid') {
          moveIntent(this.context, intent.id, from, 'paid', { confirmedBy: 'query', provider: status.provider ?? null });
          return;
        }
        if (status.state === 'failed') {
          moveIntent(this.context, intent.id, from, 'failed', { reason: status.reason ?? 'declined by the provider', providerState: status.state });
          return;
        }
        if (from === 'unknown' && status.state === 'user-paying') {
          moveIntent(this.context, intent.id, 'unknown', 'polling', { providerState: status.state });
          return;
        }
        // pending / user-paying / not-found / closed: keep asking until the reverse deadline.
      } catch (caught) {
        this.context.logger.warn({ intentId: intent.id, err: asPaymentBackendError(caught).message }, 'payment query failed; will ask again');
      }
    }
  }

  private async reverse(intent: IntentRecord, control: FlowControl): Promise<void> {
    const wallet = String(intent.detail.wallet ?? '');
    if (wallet === 'wechat') {
      const notBefore = this.wechatNotBeforeMono.get(intent.id) ?? this.context.timers.monotonicNowMs() + this.options.wechatMinReverseDelayMs;
      this.wechatNotBeforeMono.set(intent.id, notBefore);
      const waitMs = notBefore - this.context.timers.monotonicNowMs();
      if (waitMs > 0 && !(await sleep(this.context.timers, waitMs, control.stop))) return;
    }
    for (let attempt = 1; !control.stop.aborted; attempt += 1) {
      try {
        const status = await this.context.backend.reversePayment(intent.id);
        switch (status.state) {
          case 'reversed':
          case 'closed':
          case 'not-found':
          case 'failed':
            moveIntent(this.context, intent.id, 'reversing', 'cancelled', { providerState: status.state });
            return;
          case 'refunded':
            moveIntent(this.context, intent.id, 'reversing', 'refunded', { providerState: status.state, reason: 'the customer had paid; the reversal refunded it' });
            return;
          case 'paid':
            moveIntent(this.context, intent.id, 'reversing', 'paid', { confirmedBy: 'reverse', provider: status.provider ?? null });
            return;
          case 'unknown':
            break;
          default:
            // USERPAYING: WeChat refuses to reverse now; wait one query interval and try again.
            await sleep(this.context.timers, this.options.queryIntervalMs, control.stop);
            continue;
        }
      } catch (caught) {
        this.context.logger.warn({ intentId: intent.id, attempt, err: asPaymentBackendError(caught).message }, 'reversal failed; retrying');
      }
      await sleep(this.context.timers, fullJitterDelayMs(attempt, this.options.retry, this.options.random), control.stop);
    }
  }
}
