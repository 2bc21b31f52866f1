/**
 * Payments and refunds as the backend records them (tables `payments`, `refunds`), driving the
 * providers. The only place in the system that calls a `PaymentProvider`.
 *
 * Contracts:
 * - Journal first: a payment (or refund) row is committed in state `unknown` BEFORE the provider is
 *   called, so a crash mid-call leaves a record that a query resolves; it is never re-charged.
 * - Idempotent by client id: the same `paymentId`/`refundId` with the same content returns the
 *   saved record (refreshed from the provider when not final); different content, or another
 *   terminal's id, is `idempotency-conflict`. A replayed create whose provider call never gave a
 *   definite answer asks the provider again with the same id (providers are idempotent by it);
 *   a replayed customer-code payment only ever QUERIES.
 * - Operations on one payment run one at a time (a per-payment queue), so concurrent retries
 *   share outcomes instead of racing the provider.
 * - Refunds that are not `failed` never sum to more than the paid amount (checked and reserved in
 *   one transaction before the provider is asked).
 * - Every status change appends an event (same transaction) and wakes the terminal's long-poll.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock.js';
import type { createMerchantPresentedRequestSchema, createRefundRequestSchema, payWithCustomerCodeRequestSchema } from '../../sync/protocol/backend-api.js';
import {
  type CancelPaymentRequest,
  defaultQrExpiryMs,
  finalPaymentStatuses,
  type Payment,
  type PaymentFlow,
  type PaymentStatus,
  type ProviderName,
  type Refund,
  type RefundStatus,
} from '../../sync/protocol/backend-api.js';
import type { z } from 'zod';
import { BackendError } from './backend-error.js';
import { canonicalJson } from '../../sync/protocol/canonical-json.js';
import type { EventFeed } from './event-feed.js';
import type { PaymentProvider, QueryResult } from '../acquirers/payment-provider.js';
import { sha256Hex } from '../../sync/protocol/request-signing.js';

type MerchantPresentedInput = z.output<typeof createMerchantPresentedRequestSchema>;
type CustomerPresentedInput = z.output<typeof payWithCustomerCodeRequestSchema>;
type RefundInput = z.output<typeof createRefundRequestSchema>;

export interface PaymentTerminal {
  readonly id: string;
  readonly name: string;
}

export interface PaymentServiceOptions {
  readonly db: Database.Database;
  readonly clock: Clock;
  readonly events: EventFeed;
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
  /** Provider for merchant-presented payments that name none. */
  readonly defaultProvider: ProviderName;
  /** Which provider takes a customer-presented code; undefined when no provider knows the code type. */
  readonly routeCustomerCode: (code: string) => ProviderName | undefined;
}

interface PaymentRow {
  payment_id: string;
  terminal_id: string;
  flow: PaymentFlow;
  provider: ProviderName;
  order_id: string | null;
  amount_minor: number;
  currency: 'CNY';
  description: string;
  status: PaymentStatus;
  qr_content: string | null;
  expires_at_ms: number | null;
  provider_trade_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  paid_at_ms: number | null;
  refunded_minor: number;
  request_hash: string;
  created_at_ms: number;
  updated_at_ms: number;
}

interface RefundRow {
  refund_id: string;
  payment_id: string;
  terminal_id: string;
  amount_minor: number;
  currency: 'CNY';
  status: RefundStatus;
  reason: string | null;
  failure_code: string | null;
  failure_message: string | null;
  request_hash: string;
  created_at_ms: number;
  updated_at_ms: number;
}

type PaymentPatch = Partial<Pick<PaymentRow, 'status' | 'qr_content' | 'expires_at_ms' | 'provider_trade_id' | 'failure_code' | 'failure_message' | 'paid_at_ms'>>;

function toPayment(row: PaymentRow): Payment {
  return {
    paymentId: row.payment_id,
    terminalId: row.terminal_id,
    flow: row.flow,
    provider: row.provider,
    orderId: row.order_id,
    amountMinor: row.amount_minor,
    currency: row.currency,
    status: row.status,
    qrContent: row.qr_content,
    expiresAtMs: row.expires_at_ms,
    providerTradeId: row.provider_trade_id,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    paidAtMs: row.paid_at_ms,
    refundedMinor: row.refunded_minor,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function toRefund(row: RefundRow): Refund {
  return {
    refundId: row.refund_id,
    paymentId: row.payment_id,
    amountMinor: row.amount_minor,
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

/** An EMV terminal label (tag 62-07): ≤ 25 printable ASCII characters. */
function terminalLabel(terminal: PaymentTerminal): string {
  const ascii = terminal.name.replace(/[^\x20-\x7E]/g, '').trim();
  return (ascii.length > 0 ? ascii : terminal.id.replace(/^T-/, 'T')).slice(0, 25);
}

function isFinal(status: PaymentStatus): boolean {
  return finalPaymentStatuses.includes(status);
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class PaymentService {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: PaymentServiceOptions) {}

  private get db(): Database.Database {
    return this.options.db;
  }

  private nowMs(): number {
    return this.options.clock.nowMs();
  }

  /** Runs `task` after every earlier task on the same payment has finished. */
  private serialise<T>(paymentId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(paymentId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(paymentId, settled);
    void settled.then(() => {
      if (this.queues.get(paymentId) === settled) this.queues.delete(paymentId);
    });
    return next;
  }

  private provider(name: ProviderName): PaymentProvider {
    const provider = this.options.providers.get(name);
    if (!provider) throw new BackendError('bad-request', `the provider "${name}" is not configured on this backend`);
    return provider;
  }

  private row(paymentId: string): PaymentRow | undefined {
    return this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId) as PaymentRow | undefined;
  }

  private ownRow(terminal: PaymentTerminal, paymentId: string): PaymentRow {
    const row = this.row(paymentId);
    if (!row || row.terminal_id !== terminal.id) throw new BackendError('not-found', `no payment "${paymentId}" for this terminal`);
    return row;
  }

  /** Applies a patch in one transaction; appends an event when anything visible changed. */
  private update(paymentId: string, patch: PaymentPatch): Payment {
    const nowMs = this.nowMs();
    const payment = this.db.transaction(() => {
      const before = this.row(paymentId);
      if (!before) throw new BackendError('internal', `payment "${paymentId}" vanished`);
      const after: PaymentRow = { ...before, ...patch };
      const changed = (Object.keys(patch) as (keyof PaymentPatch)[]).some((key) => before[key] !== after[key]);
      if (!changed) return toPayment(before);
      after.updated_at_ms = nowMs;
      this.db
        .prepare(
          'UPDATE payments SET status = ?, qr_content = ?, expires_at_ms = ?, provider_trade_id = ?, failure_code = ?, failure_message = ?, paid_at_ms = ?, updated_at_ms = ? WHERE payment_id = ?',
        )
        .run(after.status, after.qr_content, after.expires_at_ms, after.provider_trade_id, after.failure_code, after.failure_message, after.paid_at_ms, nowMs, paymentId);
      const updated = toPayment(after);
      this.options.events.appendPaymentUpdate(updated);
      return updated;
    }).immediate();
    this.options.events.wake(payment.terminalId);
    return payment;
  }

  private insert(terminal: PaymentTerminal, fields: { paymentId: string; flow: PaymentFlow; provider: ProviderName; orderId: string | null; amountMinor: number; description: string; expiresAtMs: number | null; requestHash: string }): PaymentRow {
    const nowMs = this.nowMs();
    this.db
      .prepare(
        `INSERT INTO payments (payment_id, terminal_id, flow, provider, order_id, amount_minor, currency, description, status, expires_at_ms, request_hash, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'CNY', ?, 'unknown', ?, ?, ?, ?)`,
      )
      .run(fields.paymentId, terminal.id, fields.flow, fields.provider, fields.orderId, fields.amountMinor, fields.description, fields.expiresAtMs, fields.requestHash, nowMs, nowMs);
    const row = this.row(fields.paymentId);
    if (!row) throw new BackendError('internal', 'the payment was not stored');
    return row;
  }

  private checkReplay(terminal: PaymentTerminal, existing: PaymentRow, requestHash: string): void {
    if (existing.terminal_id !== terminal.id || existing.request_hash !== requestHash) {
      throw new BackendError('idempotency-conflict', `payment id "${existing.payment_id}" was already used with different content; use a new id for a new payment`);
    }
  }

  /** `POST /v1/payments/merchant-presented`. `created` is false for a replay. */
  createMerchantPresented(terminal: PaymentTerminal, input: MerchantPresentedInput): Promise<{ payment: Payment; created: boolean }> {
    const providerName = input.provider ?? this.options.defaultProvider;
    const requestHash = sha256Hex(canonicalJson({ flow: 'merchant-presented', ...input, provider: providerName }));
    return this.serialise(input.paymentId, async () => {
      const existing = this.row(input.paymentId);
      if (existing) {
        this.checkReplay(terminal, existing, requestHash);
        if (existing.status === 'unknown' && existing.qr_content === null) return { payment: await this.callCreate(terminal, existing), created: false };
        return { payment: await this.refreshRow(existing), created: false };
      }
      this.provider(providerName);
      const row = this.db.transaction(() =>
        this.insert(terminal, {
          paymentId: input.paymentId,
          flow: 'merchant-presented',
          provider: providerName,
          orderId: input.orderId ?? null,
          amountMinor: input.amountMinor,
          description: input.description ?? `Payment ${input.paymentId.slice(0, 8)}`,
          expiresAtMs: this.nowMs() + (input.expiresInMs ?? defaultQrExpiryMs),
          requestHash,
        }),
      ).immediate();
      return { payment: await this.callCreate(terminal, row), created: true };
    });
  }

  private async callCreate(terminal: PaymentTerminal, row: PaymentRow): Promise<Payment> {
    const provider = this.provider(row.provider);
    let result;
    try {
      result = await provider.createMerchantPresented({
        paymentId: row.payment_id,
        amountMinor: row.amount_minor,
        currency: 'CNY',
        description: row.description,
        terminalId: terminal.id,
        terminalLabel: terminalLabel(terminal),
        expiresAtMs: row.expires_at_ms ?? this.nowMs() + defaultQrExpiryMs,
      });
    } catch (error) {
      return this.update(row.payment_id, { failure_code: 'provider.exception', failure_message: describeThrown(error) });
    }
    switch (result.outcome) {
      case 'created':
        return this.update(row.payment_id, { status: 'pending', qr_content: result.qrContent, expires_at_ms: result.expiresAtMs, provider_trade_id: result.providerTradeId, failure_code: null, failure_message: null });
      case 'failed':
        return this.update(row.payment_id, { status: 'failed', failure_code: result.failure.code, failure_message: result.failure.message });
      case 'unknown':
        return this.update(row.payment_id, { failure_code: 'provider.unknown', failure_message: result.message });
    }
  }

  /** `POST /v1/payments/customer-presented`. A replay never pays again; it queries. */
  payWithCustomerCode(terminal: PaymentTerminal, input: CustomerPresentedInput): Promise<{ payment: Payment; created: boolean }> {
    const requestHash = sha256Hex(canonicalJson({ flow: 'customer-presented', ...input }));
    return this.serialise(input.paymentId, async () => {
      const existing = this.row(input.paymentId);
      if (existing) {
        this.checkReplay(terminal, existing, requestHash);
        return { payment: await this.refreshRow(existing), created: false };
      }
      const providerName = this.options.routeCustomerCode(input.code);
      if (!providerName) throw new BackendError('code-rejected', 'no configured provider accepts this kind of payment code');
      const provider = this.provider(providerName);
      const row = this.db.transaction(() =>
        this.insert(terminal, {
          paymentId: input.paymentId,
          flow: 'customer-presented',
          provider: providerName,
          orderId: input.orderId ?? null,
          amountMinor: input.amountMinor,
          description: input.description ?? `Payment ${input.paymentId.slice(0, 8)}`,
          expiresAtMs: null,
          requestHash,
        }),
      ).immediate();
      let result;
      try {
        result = await provider.payWithCustomerCode({
          paymentId: row.payment_id,
          amountMinor: row.amount_minor,
          currency: 'CNY',
          description: row.description,
          terminalId: terminal.id,
          terminalLabel: terminalLabel(terminal),
          code: input.code,
        });
      } catch (error) {
        return { payment: this.update(row.payment_id, { failure_code: 'provider.exception', failure_message: describeThrown(error) }), created: true };
      }
      switch (result.outcome) {
        case 'paid':
          return { payment: this.update(row.payment_id, { status: 'paid', provider_trade_id: result.providerTradeId, paid_at_ms: result.paidAtMs }), created: true };
        case 'user-paying':
          return { payment: this.update(row.payment_id, { status: 'user-paying', provider_trade_id: result.providerTradeId }), created: true };
        case 'failed':
          return { payment: this.update(row.payment_id, { status: 'failed', failure_code: result.failure.code, failure_message: result.failure.message }), created: true };
        case 'unknown':
          return { payment: this.update(row.payment_id, { failure_code: 'provider.unknown', failure_message: result.message }), created: true };
      }
    });
  }

  /** `GET /v1/payments/:paymentId`: the record, refreshed from the provider when not final. */
  getPayment(terminal: PaymentTerminal, paymentId: string): Promise<Payment> {
    return this.serialise(paymentId, async () => this.refreshRow(this.ownRow(terminal, paymentId)));
  }

  /** Refreshes a payment from an optional webhook/notification or sandbox event. */
  refreshById(paymentId: string): Promise<Payment | undefined> {
    return this.serialise(paymentId, async () => {
      const row = this.row(paymentId);
      return row && this.refreshRow(row);
    });
  }

  private applyQuery(row: PaymentRow, result: QueryResult): Payment {
    if (result.outcome === 'unknown') return toPayment(row);
    if (result.outcome === 'not-found') return toPayment(row);
    switch (result.status) {
      case 'paid':
      case 'finished':
        return this.update(row.payment_id, { status: 'paid', provider_trade_id: result.providerTradeId ?? row.provider_trade_id, paid_at_ms: result.paidAtMs ?? this.nowMs(), failure_code: null, failure_message: null });
      case 'user-paying':
        return this.update(row.payment_id, { status: 'user-paying' });
      case 'waiting':
        return this.update(row.payment_id, { status: row.flow === 'customer-presented' ? 'user-paying' : row.qr_content === null ? 'unknown' : 'pending' });
      case 'closed':
        return this.update(row.payment_id, { status: 'closed' });
    }
  }

  private async refreshRow(row: PaymentRow): Promise<Payment> {
    if (isFinal(row.status) || row.status === 'paid') return toPayment(row);
    const provider = this.provider(row.provider);
    let payment: Payment;
    try {
      payment = this.applyQuery(row, await provider.query(row.payment_id));
    } catch (error) {
      payment = this.update(row.payment_id, { failure_code: 'provider.exception', failure_message: describeThrown(error) });
    }
    // The backend enforces the QR's expiry: an unpaid merchant-presented payment past it is closed.
    if (row.flow === 'merchant-presented' && (payment.status === 'pending' || payment.status === 'unknown') && payment.expiresAtMs !== null && this.nowMs() >= payment.expiresAtMs) {
      return this.closeAtProvider(payment.paymentId);
    }
    return payment;
  }

  private async closeAtProvider(paymentId: string): Promise<Payment> {
    const row = this.row(paymentId);
    if (!row) throw new BackendError('not-found', `no payment "${paymentId}"`);
    const provider = this.provider(row.provider);
    let result;
    try {
      result = await provider.close(paymentId);
    } catch (error) {
      return this.update(paymentId, { failure_code: 'provider.exception', failure_message: describeThrown(error) });
    }
    switch (result.outcome) {
      case 'closed':
      case 'not-found':
        return this.update(paymentId, { status: 'closed' });
      case 'paid':
        return this.update(paymentId, { status: 'paid', provider_trade_id: result.providerTradeId ?? row.provider_trade_id, paid_at_ms: result.paidAtMs });
      case 'failed':
        return this.applyQuery(row, await provider.query(paymentId));
      case 'unknown':
        return toPayment(row);
    }
  }

  /**
   * `POST /v1/payments/:paymentId/cancel`. Merchant-presented: close (a paid one stays `paid`).
   * Customer-presented: reverse (close when unpaid, return the money when paid). A final payment
   * is returned unchanged. When the provider gives no definite answer the status is unchanged
   * (not final): call again.
   */
  cancel(terminal: PaymentTerminal, paymentId: string, _request: CancelPaymentRequest): Promise<Payment> {
    return this.serialise(paymentId, async () => {
      const row = this.ownRow(terminal, paymentId);
      if (isFinal(row.status)) return toPayment(row);
      if (row.flow === 'merchant-presented') {
        if (row.status === 'paid') return toPayment(row);
        return this.closeAtProvider(paymentId);
      }
      if (row.refunded_minor > 0) throw new BackendError('invalid-state', 'this payment was partly refunded; refund the rest instead of reversing it');
      const provider = this.provider(row.provider);
      let result;
      try {
        result = await provider.reverse(paymentId);
      } catch (error) {
        return this.update(paymentId, { failure_code: 'provider.exception', failure_message: describeThrown(error) });
      }
      switch (result.outcome) {
        case 'reversed':
          return this.update(paymentId, { status: result.action === 'refund' || row.status === 'paid' ? 'reversed' : 'closed' });
        case 'failed':
          return this.applyQuery(row, await provider.query(paymentId));
        case 'unknown':
          return toPayment(row);
      }
    });
  }

  private refundRow(refundId: string): RefundRow | undefined {
    return this.db.prepare('SELECT * FROM refunds WHERE refund_id = ?').get(refundId) as RefundRow | undefined;
  }

  /** `GET /v1/payments/:paymentId/refunds/:refundId`. */
  getRefund(terminal: PaymentTerminal, paymentId: string, refundId: string): { refund: Refund; payment: Payment } {
    const payment = this.ownRow(terminal, paymentId);
    const refund = this.refundRow(refundId);
    if (!refund || refund.payment_id !== paymentId) throw new BackendError('not-found', `no refund "${refundId}" for payment "${paymentId}"`);
    return { refund: toRefund(refund), payment: toPayment(payment) };
  }

  /** `POST /v1/payments/:paymentId/refunds`. `created` is false for a replay. */
  refund(terminal: PaymentTerminal, paymentId: string, input: RefundInput): Promise<{ refund: Refund; payment: Payment; created: boolean }> {
    const requestHash = sha256Hex(canonicalJson({ paymentId, ...input }));
    return this.serialise(paymentId, async () => {
      let row = this.ownRow(terminal, paymentId);
      const existing = this.refundRow(input.refundId);
      if (existing) {
        if (existing.terminal_id !== terminal.id || existing.request_hash !== requestHash) {
          throw new BackendError('idempotency-conflict', `refund id "${input.refundId}" was already used with different content; use a new id for a new refund`);
        }
        if (existing.status === 'unknown') return { ...(await this.callRefund(row, existing)), created: false };
        return { refund: toRefund(existing), payment: toPayment(row), created: false };
      }
      if (row.status !== 'paid' && !isFinal(row.status)) {
        await this.refreshRow(row);
        row = this.ownRow(terminal, paymentId);
      }
      if (row.status !== 'paid') throw new BackendError('invalid-state', `payment "${paymentId}" is ${row.status}, not paid: there is nothing to refund`);
      const nowMs = this.nowMs();
      const refundRow = this.db.transaction(() => {
        const reserved = (this.db.prepare("SELECT COALESCE(SUM(amount_minor), 0) AS total FROM refunds WHERE payment_id = ? AND status != 'failed'").get(paymentId) as { total: number }).total;
        if (reserved + input.amountMinor > row.amount_minor) {
          throw new BackendError(
            'refund-exceeds-paid',
            `refunding ${input.amountMinor} fen would exceed the payment: paid ${row.amount_minor}, already refunded or in progress ${reserved}, at most ${row.amount_minor - reserved} left`,
          );
        }
        this.db
          .prepare(
            `INSERT INTO refunds (refund_id, payment_id, terminal_id, amount_minor, currency, status, reason, request_hash, created_at_ms, updated_at_ms)
             VALUES (?, ?, ?, ?, 'CNY', 'unknown', ?, ?, ?, ?)`,
          )
          .run(input.refundId, paymentId, terminal.id, input.amountMinor, input.reason ?? null, requestHash, nowMs, nowMs);
        return this.refundRow(input.refundId) as RefundRow;
      }).immediate();
      return { ...(await this.callRefund(row, refundRow)), created: true };
    });
  }

  private async callRefund(payment: PaymentRow, refund: RefundRow): Promise<{ refund: Refund; payment: Payment }> {
    const provider = this.provider(payment.provider);
    let status: RefundStatus = 'unknown';
    let failure: { code: string; message: string } | null = null;
    try {
      const result = await provider.refund({
        paymentId: payment.payment_id,
        refundId: refund.refund_id,
        amountMinor: refund.amount_minor,
        paymentAmountMinor: payment.amount_minor,
        currency: 'CNY',
        reason: refund.reason,
      });
      if (result.outcome === 'refunded') status = 'refunded';
      else if (result.outcome === 'failed') {
        status = 'failed';
        failure = result.failure;
      } else failure = { code: 'provider.unknown', message: result.message };
    } catch (error) {
      failure = { code: 'provider.exception', message: describeThrown(error) };
    }
    const nowMs = this.nowMs();
    const outcome = this.db.transaction(() => {
      this.db
        .prepare('UPDATE refunds SET status = ?, failure_code = ?, failure_message = ?, updated_at_ms = ? WHERE refund_id = ?')
        .run(status, failure?.code ?? null, failure?.message ?? null, nowMs, refund.refund_id);
      if (status === 'refunded') {
        this.db.prepare('UPDATE payments SET refunded_minor = refunded_minor + ?, updated_at_ms = ? WHERE payment_id = ?').run(refund.amount_minor, nowMs, payment.payment_id);
      }
      const updatedRefund = toRefund(this.refundRow(refund.refund_id) as RefundRow);
      const updatedPayment = toPayment(this.row(payment.payment_id) as PaymentRow);
      this.options.events.appendRefundUpdate(payment.terminal_id, updatedRefund);
      if (status === 'refunded') this.options.events.appendPaymentUpdate(updatedPayment);
      return { refund: updatedRefund, payment: updatedPayment };
    }).immediate();
    this.options.events.wake(payment.terminal_id);
    return outcome;
  }
}
