/**
 * `PaymentBackend` over the reference backend's HTTP API (sync/protocol/backend-api.ts), through
 * the signing client. Maps the backend's payment statuses onto the flows' provider states and
 * every call failure onto `PaymentBackendError` (outcome unknown for timeouts, 5xx, bad or
 * unsigned answers). Push comes from the long-poll `GET /v1/events`, run only while someone
 * listens.
 */
import {
  backendRoutes,
  eventsResponseSchema,
  paymentResponseSchema,
  refundResponseSchema,
  routePath,
  type Payment,
} from '../../sync/protocol/backend-api.js';
import { BackendCallError, type BackendHttpClient } from '../../sync/client/backend-http-client.js';
import { sleep, type Timers } from '../../kernel/timers.js';
import {
  PaymentBackendError,
  type CreateMerchantPaymentRequest,
  type MerchantPaymentCreated,
  type PaymentBackend,
  type PayWithCodeRequest,
  type ProviderPaymentStatus,
  type RefundOutcome,
  type RefundRequest,
} from './payment-backend.js';

function toPaymentBackendError(error: unknown): PaymentBackendError {
  if (error instanceof PaymentBackendError) return error;
  if (error instanceof BackendCallError) return new PaymentBackendError(error.kind, error.message);
  return new PaymentBackendError('bad-response', error instanceof Error ? error.message : String(error));
}

/** The backend's status as the flows see it. `reversed` there means "was paid, money returned". */
export function toProviderStatus(payment: Payment): ProviderPaymentStatus {
  const reason = payment.failureCode ? `${payment.failureCode}${payment.failureMessage ? `: ${payment.failureMessage}` : ''}` : undefined;
  const state = payment.status === 'reversed' ? 'refunded' : payment.status;
  return { state, reason, provider: payment.provider };
}

export interface HttpPaymentBackendOptions {
  readonly timers: Timers;
  /** Long-poll wait per events request (the server caps it at 30 s). */
  readonly eventWaitMs?: number;
  /** Pause after a failed events request. */
  readonly eventRetryMs?: number;
}

export class HttpPaymentBackend implements PaymentBackend {
  private readonly listeners = new Map<string, Set<(status: ProviderPaymentStatus) => void>>();
  private eventCursor = 0;
  private polling = false;
  private stopController = new AbortController();

  constructor(
    private readonly client: BackendHttpClient,
    private readonly options: HttpPaymentBackendOptions,
  ) {}

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toPaymentBackendError(error);
    }
  }

  createMerchantPayment(request: CreateMerchantPaymentRequest): Promise<MerchantPaymentCreated> {
    return this.guarded(async () => {
      const { body } = await this.client.call('POST', backendRoutes.createMerchantPresented.path, paymentResponseSchema, {
        body: { paymentId: request.paymentId, orderId: request.orderId, amountMinor: request.amountMinor, currency: request.currency, description: request.description.slice(0, 64), expiresInMs: Math.max(request.expiresInMs, 30_000) },
      });
      if (!body?.payment.qrContent || body.payment.expiresAtMs === null) throw new PaymentBackendError('bad-response', 'the backend created the payment without QR content');
      // Relative validity from the backend's own clock: a skewed terminal clock does not matter.
      return { qrContent: body.payment.qrContent, expiresInMs: Math.max(body.payment.expiresAtMs - body.serverTimeMs, 0), provider: body.payment.provider };
    });
  }

  payWithCode(request: PayWithCodeRequest): Promise<ProviderPaymentStatus> {
    return this.guarded(async () => {
      const { body } = await this.client.call('POST', backendRoutes.payWithCustomerCode.path, paymentResponseSchema, {
        body: { paymentId: request.paymentId, orderId: request.orderId, amountMinor: request.amountMinor, currency: request.currency, code: request.code, description: request.description.slice(0, 64) },
        timeoutMs: 20_000,
      });
      if (!body) throw new PaymentBackendError('bad-response', 'empty answer to pay');
      return toProviderStatus(body.payment);
    });
  }

  queryPayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.guarded(async () => {
      try {
        const { body } = await this.client.call('GET', routePath('getPayment', { paymentId }), paymentResponseSchema);
        if (!body) throw new PaymentBackendError('bad-response', 'empty answer to query');
        return toProviderStatus(body.payment);
      } catch (error) {
        if (error instanceof BackendCallError && error.backendCode === 'not-found') return { state: 'not-found' };
        throw error;
      }
    });
  }

  private cancel(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.guarded(async () => {
      try {
        const { body } = await this.client.call('POST', routePath('cancelPayment', { paymentId }), paymentResponseSchema, { body: {}, timeoutMs: 20_000 });
        if (!body) throw new PaymentBackendError('bad-response', 'empty answer to cancel');
        return toProviderStatus(body.payment);
      } catch (error) {
        if (error instanceof BackendCallError && error.backendCode === 'not-found') return { state: 'not-found' };
        throw error;
      }
    });
  }

  closePayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.cancel(paymentId);
  }

  reversePayment(paymentId: string): Promise<ProviderPaymentStatus> {
    return this.cancel(paymentId);
  }

  refund(request: RefundRequest): Promise<RefundOutcome> {
    return this.guarded(async () => {
      const { body } = await this.client.call('POST', routePath('createRefund', { paymentId: request.paymentId }), refundResponseSchema, {
        body: { refundId: request.refundId, amountMinor: request.amountMinor, currency: 'CNY', reason: request.reason.slice(0, 200) || undefined },
        timeoutMs: 20_000,
      });
      if (!body) throw new PaymentBackendError('bad-response', 'empty answer to refund');
      const { refund } = body;
      if (refund.status === 'refunded') return { state: 'refunded' };
      if (refund.status === 'failed') return { state: 'refund-failed', reason: `${refund.failureCode ?? 'failed'}${refund.failureMessage ? `: ${refund.failureMessage}` : ''}` };
      return { state: 'pending' };
    });
  }

  subscribe(paymentId: string, listener: (status: ProviderPaymentStatus) => void): () => void {
    const set = this.listeners.get(paymentId) ?? new Set();
    set.add(listener);
    this.listeners.set(paymentId, set);
    if (!this.polling) void this.pollEvents();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(paymentId);
    };
  }

  /** Ends the long-poll loop (the terminal is stopping). */
  stop(): void {
    this.stopController.abort();
  }

  private async pollEvents(): Promise<void> {
    this.polling = true;
    const waitMs = this.options.eventWaitMs ?? 25_000;
    try {
      while (this.listeners.size > 0 && !this.stopController.signal.aborted) {
        try {
          const { body } = await this.client.call('GET', backendRoutes.events.path, eventsResponseSchema, { query: { after: this.eventCursor, waitMs }, timeoutMs: waitMs + 10_000 });
          if (!body) continue;
          this.eventCursor = body.nextAfter;
          for (const event of body.events) {
            if (event.type !== 'payment.updated') continue;
            const status = toProviderStatus(event.payment);
            for (const listener of [...(this.listeners.get(event.payment.paymentId) ?? [])]) listener(status);
          }
        } catch (error) {
          // Push is only for speed: the flows poll as well. Pause and try again.
          void error;
          await sleep(this.options.timers, this.options.eventRetryMs ?? 3_000, this.stopController.signal);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
