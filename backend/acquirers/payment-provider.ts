/**
 * What the backend needs from a payment provider (the sandbox wallet, Alipay face-to-face, …).
 * Only the backend holds provider keys and calls these; terminals never do.
 *
 * Contracts every implementation keeps:
 * - The backend's `paymentId` is the provider's merchant order number (Alipay `out_trade_no`) and
 *   `refundId` its refund request number (`out_request_no`): every retry and query reuses them, so
 *   a repeated call can never charge or refund twice.
 * - Methods never throw for a provider's answer: a definite refusal is `failed` (with the
 *   provider's code), anything not definite (timeout, dropped connection, system error, a response
 *   whose signature does not verify) is `unknown`, and the backend resolves it with `query`.
 *   They throw only for programming errors (bad arguments).
 * - Amounts are integer fen; a provider converts to its wire format (Alipay "12.50") itself.
 */
import type { ProviderName } from '../../sync/protocol/backend-api.js';

export interface ProviderFailure {
  /** The provider's own code, e.g. "ACQ.TRADE_NOT_EXIST", "40004", "sandbox.declined". */
  readonly code: string;
  readonly message: string;
}

export interface MerchantPresentedRequest {
  readonly paymentId: string;
  readonly amountMinor: number;
  readonly currency: 'CNY';
  /** Shown to the customer in the wallet. */
  readonly description: string;
  /** The terminal's id and display label (EMV tag 62-07, Alipay `terminal_id`). */
  readonly terminalId: string;
  readonly terminalLabel: string;
  /** When the QR stops being payable (epoch ms); the provider may shorten but never extend it. */
  readonly expiresAtMs: number;
}

export type MerchantPresentedResult =
  | { readonly outcome: 'created'; readonly qrContent: string; readonly expiresAtMs: number; readonly providerTradeId: string | null }
  | { readonly outcome: 'failed'; readonly failure: ProviderFailure }
  | { readonly outcome: 'unknown'; readonly message: string };

export interface CustomerPresentedRequest {
  readonly paymentId: string;
  readonly amountMinor: number;
  readonly currency: 'CNY';
  readonly description: string;
  readonly terminalId: string;
  readonly terminalLabel: string;
  /** The customer's payment code as scanned. */
  readonly code: string;
}

export type CustomerPresentedResult =
  | { readonly outcome: 'paid'; readonly providerTradeId: string | null; readonly paidAtMs: number }
  /** Alipay 10003 / WeChat USERPAYING: query every ~5 s; cancel (reverse) when it does not finish. */
  | { readonly outcome: 'user-paying'; readonly providerTradeId: string | null }
  | { readonly outcome: 'failed'; readonly failure: ProviderFailure }
  | { readonly outcome: 'unknown'; readonly message: string };

/** Provider-side trade status, normalised (Alipay WAIT_BUYER_PAY / TRADE_SUCCESS / TRADE_CLOSED / TRADE_FINISHED). */
export type ProviderTradeStatus = 'waiting' | 'user-paying' | 'paid' | 'closed' | 'finished';

export type QueryResult =
  | {
      readonly outcome: 'found';
      readonly status: ProviderTradeStatus;
      readonly providerTradeId: string | null;
      readonly paidAtMs: number | null;
      /** Total refunded at the provider so far, when it reports it. */
      readonly refundedMinor: number | null;
    }
  /** The provider has no such order: normal for a merchant-presented QR nobody has scanned yet. */
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'unknown'; readonly message: string };

export type CloseResult =
  | { readonly outcome: 'closed' }
  /** Never created at the provider (not scanned): nothing can be paid any more, treat as closed. */
  | { readonly outcome: 'not-found' }
  /** Too late: it was paid. The caller records `paid` (and refunds if the sale is off). */
  | { readonly outcome: 'paid'; readonly providerTradeId: string | null; readonly paidAtMs: number }
  | { readonly outcome: 'failed'; readonly failure: ProviderFailure }
  | { readonly outcome: 'unknown'; readonly message: string; readonly retryable: boolean };

export type ReverseResult =
  /** `action`: `close` when nothing had been paid, `refund` when the money was returned. */
  | { readonly outcome: 'reversed'; readonly action: 'close' | 'refund' }
  | { readonly outcome: 'failed'; readonly failure: ProviderFailure }
  /** Alipay `retry_flag=Y`: call again (up to 3 × ~2 s). */
  | { readonly outcome: 'unknown'; readonly message: string; readonly retryable: boolean };

export interface RefundRequest {
  readonly paymentId: string;
  readonly refundId: string;
  readonly amountMinor: number;
  /** The payment's full amount (some providers want it). */
  readonly paymentAmountMinor: number;
  readonly currency: 'CNY';
  readonly reason: string | null;
}

export type RefundResult =
  | { readonly outcome: 'refunded'; readonly refundedAtMs: number }
  | { readonly outcome: 'failed'; readonly failure: ProviderFailure }
  | { readonly outcome: 'unknown'; readonly message: string };

/** An asynchronous notification as received on `POST /notify/<provider>` (raw, before verification). */
export interface RawNotification {
  readonly contentType: string;
  readonly body: string;
}

export type NotificationResult =
  | {
      readonly outcome: 'verified';
      readonly paymentId: string;
      readonly status: ProviderTradeStatus;
      readonly providerTradeId: string | null;
      readonly paidAtMs: number | null;
      /** The exact text the provider expects back (Alipay: "success"). */
      readonly acknowledgement: string;
    }
  | { readonly outcome: 'rejected'; readonly reason: string };

export interface PaymentProvider {
  readonly name: ProviderName;
  /** Dynamic merchant-presented QR for one payment (Alipay `alipay.trade.precreate`). */
  createMerchantPresented(request: MerchantPresentedRequest): Promise<MerchantPresentedResult>;
  /** Charge a customer-presented code (Alipay `alipay.trade.pay`, scene `bar_code`). */
  payWithCustomerCode(request: CustomerPresentedRequest): Promise<CustomerPresentedResult>;
  /** Current state at the provider (Alipay `alipay.trade.query`). */
  query(paymentId: string): Promise<QueryResult>;
  /** Close an unpaid order so it can no longer be paid (Alipay `alipay.trade.close`). */
  close(paymentId: string): Promise<CloseResult>;
  /** Cancel whatever the state: close when unpaid, refund when paid (Alipay `alipay.trade.cancel`). */
  reverse(paymentId: string): Promise<ReverseResult>;
  /** Full or partial refund, idempotent by `refundId` (Alipay `alipay.trade.refund`). */
  refund(request: RefundRequest): Promise<RefundResult>;
  /** Verify and read an async notification; absent for providers that do not push. */
  parseNotification?(notification: RawNotification): Promise<NotificationResult>;
}
