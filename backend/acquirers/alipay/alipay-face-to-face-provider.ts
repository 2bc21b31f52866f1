/**
 * Alipay face-to-face payments (当面付) as a backend `PaymentProvider`, over the Open Platform v2
 * gateway: `alipay.trade.precreate` (merchant-presented QR), `alipay.trade.pay` (scene `bar_code`,
 * customer-presented code), `alipay.trade.query`, `alipay.trade.close`, `alipay.trade.cancel`,
 * `alipay.trade.refund`, and the async notification (`trade_status_sync`).
 *
 * Contracts (see payment-provider.ts for the ones every provider keeps):
 * - The backend's payment id is `out_trade_no`, the refund id is `out_request_no`: every retry and
 *   query reuses them, so nothing is charged or refunded twice.
 * - Requests are form-encoded POSTs signed RSA2 with the app private key (alipay-signature.ts);
 *   every answer is verified with the Alipay public key over the raw `*_response` text. A timeout,
 *   a dropped connection, a non-200 status, a body that is not the expected JSON, or a missing or
 *   bad signature makes the outcome `unknown`: never paid, never failed.
 * - Result codes (https://opendocs.alipay.com/common/02km9f, and the face-to-face guide
 *   https://opendocs.alipay.com/open/194/106039): `10000` success; `10003` (pay only) the buyer is
 *   still confirming → the caller queries every ~5 s, up to 5 times, then cancels; `20000`
 *   (service unavailable) and `40004` with `ACQ.SYSTEM_ERROR` → unknown, query; any other `40004`
 *   → definite failure with the `sub_code`; `40001`/`40002`/`40006`/`20001` → the gateway refused
 *   the request before processing it, a definite failure too. Anything else is unknown.
 * - `reverse` (`alipay.trade.cancel`) retries while the answer carries `retry_flag=Y` (or gave no
 *   answer at all), up to 3 more times ~2 s apart, as the official face-to-face demo does
 *   (`Configs.max_cancel_retry = 3`, `cancel_duration = 2000`).
 * - Money is integer fen here; Alipay's `total_amount`/`refund_amount` are decimal yuan strings
 *   ("12.50") converted with kernel/money.ts.
 * - Times come from the injected clock; request timestamps are `yyyy-MM-dd HH:mm:ss` in Beijing
 *   time (UTC+8), and Alipay's own times (`gmt_payment`, `send_pay_date`) are read the same way.
 */
import type { Clock } from '../../../kernel/clock.js';
import { formatMinorAsDecimal, MoneyError, parseMajorToMinor } from '../../../kernel/money.js';
import type {
  CloseResult,
  CustomerPresentedRequest,
  CustomerPresentedResult,
  MerchantPresentedRequest,
  MerchantPresentedResult,
  NotificationResult,
  PaymentProvider,
  ProviderFailure,
  ProviderTradeStatus,
  QueryResult,
  RawNotification,
  RefundRequest,
  RefundResult,
  ReverseResult,
} from '../payment-provider.js';
import { type AlipayKey, signedAlipayRequestParams, verifyAlipayNotification, verifyAlipayResponse } from './alipay-signature.js';

export interface AlipayFaceToFaceConfig {
  /** The Open Platform gateway, e.g. https://openapi.alipay.com/gateway.do. */
  readonly gatewayUrl: string;
  readonly appId: string;
  /** The merchant's application private key (PEM, or the bare base64 PKCS#8 the console shows). */
  readonly appPrivateKey: AlipayKey;
  /** Alipay's public key for this app (PEM or bare base64 SPKI): verifies responses and notifications. */
  readonly alipayPublicKey: AlipayKey;
  /** `seller_id` (2088…); when set it is sent with orders and notifications must carry it. */
  readonly sellerId?: string;
  /** `notify_url` for async notifications, e.g. https://backend.example/notify/alipay. */
  readonly notifyUrl?: string;
  /** `store_id` sent with orders (optional). */
  readonly storeId?: string;
  /** Per-request timeout (default 15 000 ms); a request that runs out is an unknown outcome. */
  readonly requestTimeoutMs?: number;
}

export interface AlipayFaceToFaceOptions {
  readonly config: AlipayFaceToFaceConfig;
  readonly clock: Clock;
  /** Waits between cancel retries; injected so tests do not sleep. Defaults to a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const alipayDefaultRequestTimeoutMs = 15_000;
/** `alipay.trade.cancel` retries after `retry_flag=Y` (the official demo's max_cancel_retry / cancel_duration). */
export const alipayCancelRetries = 3;
export const alipayCancelRetryDelayMs = 2_000;
/** Precreate QR codes live at most 2 h before they are scanned (docs/payment-rules.md#qr-expiry). */
export const alipayMaxQrLifetimeMinutes = 120;

const beijingOffsetMs = 8 * 60 * 60 * 1000;

/** `yyyy-MM-dd HH:mm:ss` in Beijing time for an epoch-ms instant (the gateway's `timestamp`). */
export function alipayTimestamp(epochMs: number): string {
  return new Date(epochMs + beijingOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch ms of an Alipay `yyyy-MM-dd HH:mm:ss` Beijing time; null when absent or malformed. */
export function parseAlipayTimestamp(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined || second === undefined) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second) - beijingOffsetMs;
}

/** A verified gateway answer: the `*_response` object, parsed. */
interface GatewayAnswer {
  readonly kind: 'answer';
  readonly code: string;
  readonly subCode: string | null;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** No definite answer: timeout, dropped connection, bad status, bad body or bad signature. */
interface NoAnswer {
  readonly kind: 'no-answer';
  readonly message: string;
}

type GatewayResult = GatewayAnswer | NoAnswer;

/** Codes that mean the gateway refused the request before doing anything (a definite failure). */
const refusedBeforeProcessingCodes = new Set(['20001', '40001', '40002', '40006']);

/** How a gateway answer classifies, per the public result-code table. */
type Classified = { readonly kind: 'success' } | { readonly kind: 'user-paying' } | { readonly kind: 'failed'; readonly failure: ProviderFailure } | { readonly kind: 'unknown'; readonly message: string };

function describeAnswer(answer: GatewayAnswer): string {
  const subMessage = typeof answer.fields['sub_msg'] === 'string' ? `: ${answer.fields['sub_msg']}` : '';
  return `${answer.code} ${answer.message}${answer.subCode ? ` (${answer.subCode})` : ''}${subMessage}`;
}

function classify(result: GatewayResult): Classified {
  if (result.kind === 'no-answer') return { kind: 'unknown', message: result.message };
  const answer = result;
  if (answer.code === '10000') return { kind: 'success' };
  if (answer.code === '10003') return { kind: 'user-paying' };
  if (answer.code === '40004' && answer.subCode !== 'ACQ.SYSTEM_ERROR') {
    return { kind: 'failed', failure: { code: answer.subCode ?? '40004', message: describeAnswer(answer) } };
  }
  if (refusedBeforeProcessingCodes.has(answer.code)) return { kind: 'failed', failure: { code: answer.subCode ?? answer.code, message: describeAnswer(answer) } };
  // 20000 (service unavailable), 40004 ACQ.SYSTEM_ERROR, and any code we do not know.
  return { kind: 'unknown', message: `Alipay gave no definite result: ${describeAnswer(answer)}` };
}

function stringField(fields: Readonly<Record<string, unknown>>, key: string): string | null {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function tradeStatusOf(text: string | null): ProviderTradeStatus | null {
  switch (text) {
    case 'WAIT_BUYER_PAY':
      return 'waiting';
    case 'TRADE_SUCCESS':
      return 'paid';
    case 'TRADE_CLOSED':
      return 'closed';
    case 'TRADE_FINISHED':
      return 'finished';
    default:
      return null;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AlipayFaceToFaceProvider implements PaymentProvider {
  readonly name = 'alipay' as const;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: AlipayFaceToFaceOptions) {
    this.sleep = options.sleep ?? realSleep;
  }

  private get config(): AlipayFaceToFaceConfig {
    return this.options.config;
  }

  private nowMs(): number {
    return this.options.clock.nowMs();
  }

  /** One signed gateway call. Never throws: anything but a verified JSON answer is `no-answer`. */
  private async call(method: string, bizContent: Readonly<Record<string, string>>): Promise<GatewayResult> {
    const common: Record<string, string> = {
      app_id: this.config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTimestamp(this.nowMs()),
      version: '1.0',
      biz_content: JSON.stringify(bizContent),
    };
    if (this.config.notifyUrl && (method === 'alipay.trade.precreate' || method === 'alipay.trade.pay')) common['notify_url'] = this.config.notifyUrl;
    const params = signedAlipayRequestParams(common, this.config.appPrivateKey);
    const timeoutMs = this.config.requestTimeoutMs ?? alipayDefaultRequestTimeoutMs;
    let status: number;
    let rawBody: string;
    try {
      const response = await fetch(this.config.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      rawBody = await response.text();
    } catch (error) {
      const reason = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${timeoutMs} ms` : `the connection failed: ${describeError(error)}`;
      return { kind: 'no-answer', message: `${method}: ${reason}` };
    }
    if (status !== 200) return { kind: 'no-answer', message: `${method}: the gateway answered HTTP ${status}` };
    const verification = verifyAlipayResponse(rawBody, method, this.config.alipayPublicKey);
    if (!verification.ok) return { kind: 'no-answer', message: `${method}: the response was not accepted (${verification.reason}): ${verification.message}` };
    let fields: unknown;
    try {
      fields = JSON.parse(verification.signedContent);
    } catch (error) {
      // verifyAlipayResponse cut this text out of a body that parsed as JSON, so it parses too.
      return { kind: 'no-answer', message: `${method}: the signed response is not JSON: ${describeError(error)}` };
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return { kind: 'no-answer', message: `${method}: the signed response is not an object` };
    const record = fields as Record<string, unknown>;
    const code = stringField(record, 'code');
    if (code === null) return { kind: 'no-answer', message: `${method}: the signed response carries no code` };
    return { kind: 'answer', code, subCode: stringField(record, 'sub_code'), message: stringField(record, 'msg') ?? '', fields: record };
  }

  /** Checks a success answer is about our order; a mismatch is not a definite answer. */
  private sameOrder(answer: GatewayAnswer, paymentId: string): boolean {
    const outTradeNo = stringField(answer.fields, 'out_trade_no');
    return outTradeNo === null || outTradeNo === paymentId;
  }

  private orderFields(request: { paymentId: string; amountMinor: number; description: string; terminalId: string }): Record<string, string> {
    const fields: Record<string, string> = {
      out_trade_no: request.paymentId,
      total_amount: formatMinorAsDecimal(request.amountMinor),
      // subject: at most 256 characters.
      subject: request.description.slice(0, 256),
      // terminal_id: String(32) at Alipay; the backend's ids are longer, their first 32 characters are kept.
      terminal_id: request.terminalId.slice(0, 32),
    };
    if (this.config.sellerId) fields['seller_id'] = this.config.sellerId;
    if (this.config.storeId) fields['store_id'] = this.config.storeId;
    return fields;
  }

  /**
   * `alipay.trade.precreate`. The QR's life is the request's, rounded DOWN to whole minutes (1 to
   * 120: `timeout_express` and `qr_code_timeout_express` take minutes, "Nm"), so Alipay itself
   * stops taking payment no later than the backend; the backend closes the order at `expiresAtMs`.
   * Repeating it with the same order and amount returns the same QR, so a replay after an unknown
   * outcome is safe; a different amount is refused (`ACQ.CONTEXT_INCONSISTENT`).
   */
  async createMerchantPresented(request: MerchantPresentedRequest): Promise<MerchantPresentedResult> {
    const nowMs = this.nowMs();
    const minutes = Math.min(alipayMaxQrLifetimeMinutes, Math.max(1, Math.floor((request.expiresAtMs - nowMs) / 60_000)));
    const result = await this.call('alipay.trade.precreate', {
      ...this.orderFields(request),
      timeout_express: `${minutes}m`,
      qr_code_timeout_express: `${minutes}m`,
    });
    const classified = classify(result);
    // A replayed precreate for an order that was paid meanwhile: settle it by query, not as a failure.
    if (classified.kind === 'failed' && classified.failure.code === 'ACQ.TRADE_HAS_SUCCESS') return { outcome: 'unknown', message: 'the order is already paid at Alipay; query it' };
    if (classified.kind === 'failed') return { outcome: 'failed', failure: classified.failure };
    if (classified.kind !== 'success' || result.kind !== 'answer') return { outcome: 'unknown', message: classified.kind === 'unknown' ? classified.message : 'precreate: unexpected 10003' };
    const qrContent = stringField(result.fields, 'qr_code');
    if (qrContent === null || !this.sameOrder(result, request.paymentId)) return { outcome: 'unknown', message: 'precreate: the success answer carries no qr_code for this order' };
    return { outcome: 'created', qrContent, expiresAtMs: Math.min(request.expiresAtMs, nowMs + minutes * 60_000), providerTradeId: null };
  }

  /** `alipay.trade.pay`, scene `bar_code`, `auth_code` = the customer's code. */
  async payWithCustomerCode(request: CustomerPresentedRequest): Promise<CustomerPresentedResult> {
    const result = await this.call('alipay.trade.pay', { ...this.orderFields(request), scene: 'bar_code', auth_code: request.code });
    const classified = classify(result);
    if (classified.kind === 'unknown') return { outcome: 'unknown', message: classified.message };
    if (classified.kind === 'failed') {
      // Repeating a pay for an order that is already paid: resolve it by query, not as a failure.
      if (classified.failure.code === 'ACQ.TRADE_HAS_SUCCESS') return { outcome: 'unknown', message: 'the order is already paid at Alipay; query it' };
      return { outcome: 'failed', failure: classified.failure };
    }
    if (result.kind !== 'answer' || !this.sameOrder(result, request.paymentId)) return { outcome: 'unknown', message: 'pay: the answer is about another order' };
    const providerTradeId = stringField(result.fields, 'trade_no');
    if (classified.kind === 'user-paying') return { outcome: 'user-paying', providerTradeId };
    const paidAmount = stringField(result.fields, 'total_amount');
    if (paidAmount !== null && paidAmount !== formatMinorAsDecimal(request.amountMinor)) {
      return { outcome: 'unknown', message: `pay: Alipay reports total_amount ${paidAmount}, not ${formatMinorAsDecimal(request.amountMinor)}` };
    }
    return { outcome: 'paid', providerTradeId, paidAtMs: parseAlipayTimestamp(result.fields['gmt_payment']) ?? this.nowMs() };
  }

  /** `alipay.trade.query`. `ACQ.TRADE_NOT_EXIST` is `not-found` (normal for an unscanned QR). */
  async query(paymentId: string): Promise<QueryResult> {
    const result = await this.call('alipay.trade.query', { out_trade_no: paymentId });
    const classified = classify(result);
    if (classified.kind === 'failed' && classified.failure.code === 'ACQ.TRADE_NOT_EXIST') return { outcome: 'not-found' };
    if (classified.kind === 'failed') return { outcome: 'unknown', message: `query refused: ${classified.failure.message}` };
    if (classified.kind !== 'success' || result.kind !== 'answer') return { outcome: 'unknown', message: classified.kind === 'unknown' ? classified.message : 'query: unexpected 10003' };
    if (!this.sameOrder(result, paymentId)) return { outcome: 'unknown', message: 'query: the answer is about another order' };
    const tradeStatus = stringField(result.fields, 'trade_status');
    const status = tradeStatusOf(tradeStatus);
    if (status === null) return { outcome: 'unknown', message: `query: unknown trade_status ${tradeStatus ?? '(none)'}` };
    const paid = status === 'paid' || status === 'finished';
    return {
      outcome: 'found',
      status,
      providerTradeId: stringField(result.fields, 'trade_no'),
      paidAtMs: paid ? (parseAlipayTimestamp(result.fields['send_pay_date']) ?? this.nowMs()) : null,
      // The query answer carries no refunded total.
      refundedMinor: null,
    };
  }

  /**
   * `alipay.trade.close` for an unpaid order. `ACQ.TRADE_NOT_EXIST` means nobody scanned the QR:
   * `not-found`, which the backend records as closed (Alipay's own `timeout_express` ends the QR).
   * `ACQ.TRADE_STATUS_ERROR` (it can no longer be closed) is settled with a query: paid or closed.
   */
  async close(paymentId: string): Promise<CloseResult> {
    const result = await this.call('alipay.trade.close', { out_trade_no: paymentId });
    const classified = classify(result);
    if (classified.kind === 'success') return { outcome: 'closed' };
    if (classified.kind === 'unknown') return { outcome: 'unknown', message: classified.message, retryable: true };
    if (classified.kind === 'user-paying') return { outcome: 'unknown', message: 'close: unexpected 10003', retryable: true };
    if (classified.failure.code === 'ACQ.TRADE_NOT_EXIST') return { outcome: 'not-found' };
    if (classified.failure.code === 'ACQ.TRADE_STATUS_ERROR') {
      const found = await this.query(paymentId);
      if (found.outcome === 'found' && (found.status === 'paid' || found.status === 'finished')) {
        return { outcome: 'paid', providerTradeId: found.providerTradeId, paidAtMs: found.paidAtMs ?? this.nowMs() };
      }
      if (found.outcome === 'found' && found.status === 'closed') return { outcome: 'closed' };
    }
    return { outcome: 'failed', failure: classified.failure };
  }

  /**
   * `alipay.trade.cancel`: closes an unpaid order, refunds a paid one (`action` close / refund).
   * Retried while the answer says `retry_flag=Y` or there was no definite answer, up to
   * `alipayCancelRetries` more times `alipayCancelRetryDelayMs` apart; then `unknown`, retryable.
   */
  async reverse(paymentId: string): Promise<ReverseResult> {
    let last = '';
    for (let attempt = 0; attempt <= alipayCancelRetries; attempt += 1) {
      if (attempt > 0) await this.sleep(alipayCancelRetryDelayMs);
      const result = await this.call('alipay.trade.cancel', { out_trade_no: paymentId });
      const retryFlag = result.kind === 'answer' ? stringField(result.fields, 'retry_flag') : null;
      const classified = classify(result);
      if (classified.kind === 'success' && retryFlag !== 'Y' && result.kind === 'answer' && this.sameOrder(result, paymentId)) {
        return { outcome: 'reversed', action: stringField(result.fields, 'action') === 'refund' ? 'refund' : 'close' };
      }
      if (classified.kind === 'failed' && retryFlag !== 'Y') return { outcome: 'failed', failure: classified.failure };
      last = result.kind === 'answer' ? `${describeAnswer(result)}${retryFlag === 'Y' ? ', retry_flag=Y' : ''}` : result.message;
    }
    return { outcome: 'unknown', message: `cancel gave no definite result after ${alipayCancelRetries + 1} attempts: ${last}`, retryable: true };
  }

  /**
   * `alipay.trade.refund`, partial or full, `out_request_no` = our refund id: repeating it refunds
   * once (Alipay answers 10000 again, `fund_change=N`).
   */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const fields: Record<string, string> = {
      out_trade_no: request.paymentId,
      refund_amount: formatMinorAsDecimal(request.amountMinor),
      out_request_no: request.refundId,
    };
    if (request.reason) fields['refund_reason'] = request.reason.slice(0, 256);
    const result = await this.call('alipay.trade.refund', fields);
    const classified = classify(result);
    if (classified.kind === 'failed') return { outcome: 'failed', failure: classified.failure };
    if (classified.kind !== 'success' || result.kind !== 'answer') return { outcome: 'unknown', message: classified.kind === 'unknown' ? classified.message : 'refund: unexpected 10003' };
    if (!this.sameOrder(result, request.paymentId)) return { outcome: 'unknown', message: 'refund: the answer is about another order' };
    return { outcome: 'refunded', refundedAtMs: parseAlipayTimestamp(result.fields['gmt_refund_pay']) ?? this.nowMs() };
  }

  /**
   * Async notification (form-encoded `trade_status_sync`), verified excluding `sign` and
   * `sign_type` (https://opendocs.alipay.com/open/203/105286). The `app_id` (and `seller_id` when
   * configured) must be ours. The backend then queries the order: push for speed, poll to be sure.
   * Acknowledged with the literal text `success`, or Alipay keeps re-sending.
   */
  async parseNotification(notification: RawNotification): Promise<NotificationResult> {
    if (!notification.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return { outcome: 'rejected', reason: `expected a form-encoded notification, got "${notification.contentType}"` };
    }
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(notification.body)) params[key] = value;
    const verification = verifyAlipayNotification(params, this.config.alipayPublicKey);
    if (!verification.ok) return { outcome: 'rejected', reason: `${verification.reason}: ${verification.message}` };
    if (params['app_id'] !== this.config.appId) return { outcome: 'rejected', reason: `the notification is for app ${params['app_id'] ?? '(none)'}, not ${this.config.appId}` };
    if (this.config.sellerId && params['seller_id'] !== this.config.sellerId) return { outcome: 'rejected', reason: 'the notification is for another seller' };
    const paymentId = params['out_trade_no'];
    if (!paymentId) return { outcome: 'rejected', reason: 'the notification carries no out_trade_no' };
    const status = tradeStatusOf(params['trade_status'] ?? null);
    if (status === null) return { outcome: 'rejected', reason: `unknown trade_status ${params['trade_status'] ?? '(none)'}` };
    if (params['total_amount'] !== undefined) {
      try {
        parseMajorToMinor(params['total_amount']);
      } catch (error) {
        if (error instanceof MoneyError) return { outcome: 'rejected', reason: `total_amount: ${error.message}` };
        throw error;
      }
    }
    const paid = status === 'paid' || status === 'finished';
    return {
      outcome: 'verified',
      paymentId,
      status,
      providerTradeId: params['trade_no'] ?? null,
      paidAtMs: paid ? parseAlipayTimestamp(params['gmt_payment']) : null,
      acknowledgement: 'success',
    };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
