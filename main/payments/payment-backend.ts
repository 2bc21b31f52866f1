/**
 * What the payment flows need from the payment backend (the only party that talks to acquirers).
 * Every call carries the terminal's client-generated key (`paymentId` / `refundId`): retries and
 * queries always reuse it, so the backend can answer a repeat with the saved result.
 *
 * Error contract: every method either resolves with the backend's answer or rejects with a
 * `PaymentBackendError`. `outcomeUnknown` says whether the request may have taken effect (a
 * timeout, a 5xx, a malformed, unsigned or truncated answer, a connection dropped after sending):
 * the caller must then resolve by querying with the same key, never by sending a new request.
 */

/** The provider-side state of one payment, as the backend reports it. */
export type ProviderPaymentState =
  /** Created (merchant QR shown), nobody has paid yet. */
  | 'pending'
  /** The customer is confirming on the phone (Alipay 10003, WeChat USERPAYING). */
  | 'user-paying'
  | 'paid'
  /** Closed or cancelled before payment. */
  | 'closed'
  /** Definitely not paid (Alipay 40004, declined). */
  | 'failed'
  /** The backend has no payment with this key (never arrived, or not scanned yet). */
  | 'not-found'
  /** Cancelled or reversed while unpaid. */
  | 'reversed'
  /** Was paid and the reversal refunded it. */
  | 'refunded'
  /** The provider gave no definite answer: ask again with the same key, never re-send. */
  | 'unknown';

export interface ProviderPaymentStatus {
  readonly state: ProviderPaymentState;
  /** The provider's reason for a failure or decline, shown to the cashier. */
  readonly reason?: string | undefined;
  /** Which wallet the payment went to (`alipay`, `wechat`, `sandbox`…), when known. */
  readonly provider?: string | undefined;
}

export interface CreateMerchantPaymentRequest {
  readonly paymentId: string;
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: 'CNY';
  readonly description: string;
  /** How long the QR may stay valid, in milliseconds. */
  readonly expiresInMs: number;
}

export interface MerchantPaymentCreated {
  /** What the QR encodes (an EMV MPM payload or a provider URL). */
  readonly qrContent: string;
  /** Validity left as the backend sees it; relative, so a skewed terminal clock does not matter. */
  readonly expiresInMs: number;
  readonly provider?: string | undefined;
}

export interface PayWithCodeRequest {
  readonly paymentId: string;
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: 'CNY';
  /** The customer's payment code exactly as scanned. */
  readonly code: string;
  readonly description: string;
}

export interface RefundRequest {
  readonly refundId: string;
  readonly paymentId: string;
  readonly amountMinor: number;
  readonly reason: string;
}

export interface RefundOutcome {
  /** `pending`: accepted, not definite yet; ask again with the same refundId. */
  readonly state: 'refunded' | 'refund-failed' | 'pending';
  readonly reason?: string | undefined;
}

export interface PaymentBackend {
  createMerchantPayment(request: CreateMerchantPaymentRequest): Promise<MerchantPaymentCreated>;
  /** Answers `paid`, `user-paying`, `failed` (definite) or `unknown` (query next). */
  payWithCode(request: PayWithCodeRequest): Promise<ProviderPaymentStatus>;
  queryPayment(paymentId: string): Promise<ProviderPaymentStatus>;
  /** Closes an unpaid merchant-presented payment; answers `closed`, `not-found` or `paid` (too late). */
  closePayment(paymentId: string): Promise<ProviderPaymentStatus>;
  /**
   * Cancels/reverses a customer-presented payment: `reversed`, `closed`, `not-found`, `refunded`
   * (it had been paid), or `user-paying` (WeChat refuses to reverse during USERPAYING; try later).
   */
  reversePayment(paymentId: string): Promise<ProviderPaymentStatus>;
  refund(request: RefundRequest): Promise<RefundOutcome>;
  /** Push results for one payment (speed only: flows poll as well). Returns the unsubscribe function. */
  subscribe(paymentId: string, listener: (status: ProviderPaymentStatus) => void): () => void;
}

export type PaymentBackendErrorCode =
  /** Connection refused or DNS failure: the request never left; nothing happened. */
  | 'unreachable'
  /** No (complete) answer in time, or the connection dropped after sending. */
  | 'timeout'
  /** The backend answered 5xx. */
  | 'server-error'
  /** The answer was malformed, truncated or did not match the schema. */
  | 'bad-response'
  /** The answer's signature was missing or wrong. */
  | 'bad-signature'
  /** The backend refused the request as such (4xx): it was not processed. */
  | 'rejected'
  /** The backend refused the request's timestamp (terminal clock off by more than the window). */
  | 'clock-skew'
  /** The request reached the backend twice (replay refused); the first delivery may have acted. */
  | 'duplicate-delivery'
  /** The backend's TLS certificate is not the pinned (or a trusted) one: nothing was sent. */
  | 'untrusted-certificate';

const outcomeUnknownCodes: ReadonlySet<PaymentBackendErrorCode> = new Set(['timeout', 'server-error', 'bad-response', 'bad-signature', 'duplicate-delivery']);

export class PaymentBackendError extends Error {
  override readonly name = 'PaymentBackendError';
  /** True when the request may have taken effect: resolve by querying with the same key. */
  readonly outcomeUnknown: boolean;
  /** True when the same request may succeed later. */
  readonly retryable: boolean;

  constructor(
    readonly code: PaymentBackendErrorCode,
    message: string,
  ) {
    super(message);
    this.outcomeUnknown = outcomeUnknownCodes.has(code);
    this.retryable = code !== 'rejected';
  }
}

/** Converts anything a backend call threw into a `PaymentBackendError` (unexpected errors count as unknown outcomes). */
export function asPaymentBackendError(error: unknown): PaymentBackendError {
  if (error instanceof PaymentBackendError) return error;
  return new PaymentBackendError('bad-response', `unexpected failure talking to the backend: ${error instanceof Error ? error.message : String(error)}`);
}
