/**
 * The terminal's payments: starts, watches, cancels and refunds payment intents, and resolves the
 * intents a previous run left open before any new wallet payment is taken
 * (docs/principles.md#resolve-before-selling). Each intent runs in its own flow (merchant QR, customer code, refund); this
 * service only routes, keeps the running flows' controls, and turns journal records into views.
 *
 * Cash has one way in, `payCash`, whichever command takes it: one rule for the operator session
 * and the change, one transaction, one announcement.
 *
 * Who calls: the core's payment handlers (contract commands) and the composition root (start-up
 * resolution, stop). Errors reach callers as `PaymentServiceError` with a closed code; a missing
 * or insufficient operator session as the sessions' own `CommandError` (unauthenticated, forbidden).
 */
import { checkSaleAmount, defaultMaxSaleMinor, type SaleLimits } from '../config/sale-limit.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connectivity } from '../../sync/client/backend-health-probe.js';
import { OfflineCodeSpentError, type IntentRecord, type Journal, type OrderToRecord } from '../../sync/store/journal.js';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { PaymentView } from '../contract/contract.js';
import { cashChangeMinor, OrderError } from '../domain/order.js';
import { isRefundablePaymentState, offlineCodeMachine, type PaymentMethod } from '../domain/payment-states.js';
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import { classifyPaymentCode } from './payment-code-classifier.js';
import { CustomerCodeFlow, defaultCustomerCodeFlowOptions, type CustomerCodeFlowOptions } from './customer-code-flow.js';
import { intentMover, type FlowContext } from './flow-context.js';
import type { FlowControl } from './flow-control.js';
import { defaultMerchantQrFlowOptions, MerchantQrFlow, type MerchantQrFlowOptions } from './merchant-qr-flow.js';
import { PaymentBackendError, type PaymentBackend } from './payment-backend.js';
import { defaultRefundFlowOptions, RefundError, RefundFlow, type RefundFlowOptions } from './refund-flow.js';

const moveOfflinePayment = intentMover(offlineCodeMachine);

export type PaymentServiceErrorCode = 'unavailable' | 'invalid-argument' | 'not-found' | 'conflict' | 'forbidden';

export class PaymentServiceError extends Error {
  override readonly name = 'PaymentServiceError';
  constructor(
    readonly code: PaymentServiceErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** Offline acceptance of signed customer codes, plugged in by the composition root when available. */
export interface OfflineCodeAcceptor {
  /**
   * Decides, synchronously and without I/O, whether CODE may be accepted offline for AMOUNTMINOR
   * given what is already stored; returns the detail to journal or the refusal reason.
   */
  evaluate(code: string, amountMinor: number, stored: readonly IntentRecord[], nowMs: number): { ok: true; detail: Record<string, unknown> } | { ok: false; reason: string };
}

export interface PaymentServiceDeps {
  readonly journal: Journal;
  /** Checks the operator session cash needs (`sale.create`). */
  readonly sessions: Pick<OperatorSessions, 'require'>;
  /** Undefined when the terminal has no backend (not enrolled): wallet payments are unavailable. */
  readonly backend: PaymentBackend | undefined;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** What the sync client / health probe currently says about the backend. */
  readonly connectivity: () => Connectivity;
  readonly offlineCodes?: OfflineCodeAcceptor | undefined;
  readonly merchantQr?: Partial<MerchantQrFlowOptions> | undefined;
  readonly customerCode?: Partial<CustomerCodeFlowOptions> | undefined;
  readonly refunds?: Partial<RefundFlowOptions> | undefined;
  /** Told after every durable change of a payment (or of one of its refunds). */
  readonly onPaymentChanged?: ((view: PaymentView) => void) | undefined;
  /** Told once after a cash sale is journaled: the terminal's status (queue, open intents) changed. */
  readonly onStatusChanged?: (() => void) | undefined;
  /** The largest total one sale may carry (`limits.maxSaleMinor`); default ￥50,000.00. */
  readonly saleLimits?: SaleLimits | undefined;
}

/** A wallet payment (cash goes through `payCash`). */
export interface StartPaymentInput {
  readonly order: OrderToRecord;
  readonly method: 'qr' | 'code';
  readonly code?: string | undefined;
  readonly description: string;
}

export interface CashSaleInput {
  /** The operator's session; cash needs one granting `sale.create`. */
  readonly sessionId: string | undefined;
  /** The priced order; its operator (`userId`) is the session's. */
  readonly order: Omit<OrderToRecord, 'userId'>;
  readonly tenderedMinor: number;
}

export interface StartedPayment {
  readonly receiptNumber: string;
  readonly changeMinor: number;
  readonly payment: PaymentView;
}

interface RunningFlow {
  readonly cancel: AbortController;
  readonly done: Promise<IntentRecord>;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class PaymentService {
  private readonly context: FlowContext;
  private readonly merchantQr: MerchantQrFlow;
  private readonly customerCode: CustomerCodeFlow;
  private readonly refundFlow: RefundFlow;
  private readonly running = new Map<string, RunningFlow>();
  private readonly stopController = new AbortController();
  private readonly changeWaiters = new Set<(intent: IntentRecord) => void>();
  private resolvingIntentIds: readonly string[] = [];
  /** Scanned online codes stay in memory only: the journal keeps a masked copy. */
  private readonly scannedCodes = new Map<string, string>();

  constructor(private readonly deps: PaymentServiceDeps) {
    const backend = deps.backend ?? unconfiguredBackend;
    this.context = {
      journal: deps.journal,
      backend: {
        ...bindBackend(backend),
        payWithCode: (request) => backend.payWithCode({ ...request, code: this.scannedCodes.get(request.paymentId) ?? request.code }),
      },
      clock: deps.clock,
      timers: deps.timers,
      logger: deps.logger,
      onChange: (intent) => this.changed(intent),
    };
    this.merchantQr = new MerchantQrFlow(this.context, { ...defaultMerchantQrFlowOptions, ...deps.merchantQr });
    this.customerCode = new CustomerCodeFlow(this.context, { ...defaultCustomerCodeFlowOptions, ...deps.customerCode });
    this.refundFlow = new RefundFlow(this.context, { ...defaultRefundFlowOptions, ...deps.refunds });
  }

  /** True while intents from the previous run are still being resolved. */
  get resolving(): boolean {
    return this.resolvingIntentIds.some((id) => this.deps.journal.findIntent(id)?.isFinal === false);
  }

  /**
   * Resolves every intent the journal holds open (payments and refunds; vends belong to the
   * vending flows, and `accepted-offline` payments to the sync client). Resolves when all are
   * final or the service stops. Wallet payments are refused until then; cash is not.
   */
  async resolveOpenIntents(): Promise<IntentRecord[]> {
    const open = this.deps.journal.openIntents().filter((intent) => intent.kind !== 'vend' && intent.state !== 'accepted-offline');
    this.resolvingIntentIds = open.map((intent) => intent.id);
    if (open.length > 0) this.deps.logger.warn({ count: open.length, ids: this.resolvingIntentIds }, 'resolving intents left open by the previous run');
    const results = await Promise.all(open.map((intent) => this.launch(intent, true).done));
    this.resolvingIntentIds = [];
    return results;
  }

  /**
   * The one cash path: refused on a kiosk, needs an operator session granting `sale.create` and a
   * tender covering the total (change from `cashChangeMinor`). Journals the order with its paid
   * cash payment in one transaction, then announces the payment once and the status once.
   */
  payCash(input: CashSaleInput): StartedPayment {
    if (input.order.mode === 'kiosk') throw new PaymentServiceError('forbidden', 'an unattended kiosk does not take cash');
    const session = this.deps.sessions.require(input.sessionId, 'sale.create');
    this.refuseOverLimit(input.order.totalMinor);
    let changeMinor: number;
    try {
      changeMinor = cashChangeMinor(input.order.totalMinor, input.tenderedMinor);
    } catch (error) {
      if (error instanceof OrderError) throw new PaymentServiceError('invalid-argument', error.message);
      throw error;
    }
    const order: OrderToRecord = { ...input.order, userId: session.user.id };
    const paymentIntentId = randomUUID();
    const { receiptNumber } = this.deps.journal.recordOrder(order, [
      { id: paymentIntentId, kind: 'payment', orderId: order.id, method: 'cash', amountMinor: order.totalMinor, state: 'paid', isFinal: true, detail: { tenderedMinor: input.tenderedMinor, changeMinor } },
    ]);
    this.deps.logger.info({ orderId: order.id, receiptNumber, totalMinor: order.totalMinor, method: 'cash' }, 'sale recorded');
    const view = this.view(paymentIntentId);
    this.announce(view);
    try {
      this.deps.onStatusChanged?.();
    } catch (error) {
      this.deps.logger.error({ err: error, intentId: paymentIntentId }, 'status change listener failed');
    }
    return { receiptNumber, changeMinor, payment: view };
  }

  /** Refuses, before anything is journaled, a total outside the per-sale limit (main/config/sale-limit.ts). */
  private refuseOverLimit(totalMinor: number): void {
    const verdict = checkSaleAmount(totalMinor, this.deps.saleLimits ?? { maxSaleMinor: defaultMaxSaleMinor });
    if (!verdict.ok) throw new PaymentServiceError('invalid-argument', verdict.message);
  }

  async startPayment(input: StartPaymentInput): Promise<StartedPayment> {
    const { order } = input;
    this.refuseOverLimit(order.totalMinor);
    const paymentIntentId = randomUUID();
    let method: PaymentMethod = input.method;
    let detail: Record<string, unknown> = { description: input.description };
    if (input.method === 'code') {
      const code = (input.code ?? '').trim();
      const classified = classifyPaymentCode(code);
      if (!classified.ok) throw new PaymentServiceError('invalid-argument', classified.reason);
      if (classified.wallet === 'offline') {
        return this.acceptOfflineCode(input, code, paymentIntentId);
      }
      detail = { ...detail, wallet: classified.wallet, codeMasked: maskCode(code) };
      this.scannedCodes.set(paymentIntentId, code);
    }
    this.requireOnline(input.method === 'qr' ? 'a QR payment needs the network: take cash, or scan an offline payment code' : 'an online payment code needs the network: take cash, or ask for an offline payment code');

    const { receiptNumber } = this.deps.journal.recordOrder(order, [
      { id: paymentIntentId, kind: 'payment', orderId: order.id, method, amountMinor: order.totalMinor, state: 'created', isFinal: false, detail },
    ]);
    method = input.method;
    const firstAnswer = this.waitForState(paymentIntentId, (intent) => !['created', 'requesting', 'paying'].includes(intent.state));
    const running = this.launch(this.deps.journal.getIntent(paymentIntentId), false);
    await Promise.race([firstAnswer, running.done]);
    const view = this.view(paymentIntentId);
    if (view.state === 'failed' && this.deps.journal.getIntent(paymentIntentId).detail.errorCode === 'unreachable') {
      throw new PaymentServiceError('unavailable', `the payment backend cannot be reached (${view.reason ?? 'no answer'}); nothing was charged: take cash${method === 'qr' ? ' or an offline code' : ''}`, true);
    }
    return { receiptNumber, changeMinor: 0, payment: view };
  }

  /** The payment's current view; throws `not-found` for an unknown or non-payment id. */
  status(paymentIntentId: string): PaymentView {
    return this.view(paymentIntentId);
  }

  /** Asks a running payment to close/reverse; answers after its next state change (or at once when final). */
  async cancel(paymentIntentId: string): Promise<PaymentView> {
    const intent = this.paymentIntent(paymentIntentId);
    if (intent.isFinal) return this.view(paymentIntentId);
    const running = this.running.get(paymentIntentId);
    if (!running) throw new PaymentServiceError('conflict', `payment "${paymentIntentId}" is ${intent.state} and being resolved; it cannot be cancelled now`, true);
    const next = this.waitForState(paymentIntentId, (changed) => changed.state !== intent.state);
    running.cancel.abort();
    await Promise.race([next, running.done]);
    return this.view(paymentIntentId);
  }

  /** Journals a refund (idempotent by REFUNDID) and sends it; answers with the payment's view once the refund is definite or queued. */
  async refund(input: { refundId: string; paymentIntentId: string; amountMinor?: number | undefined; reason?: string | undefined; requestedBy: string | null }): Promise<PaymentView> {
    let refund: IntentRecord;
    try {
      refund = this.refundFlow.request({ ...input, reason: input.reason ?? 'refund at the counter' });
    } catch (error) {
      if (error instanceof RefundError) {
        throw new PaymentServiceError(error.code === 'not-found' ? 'not-found' : error.code === 'exceeds-refundable' ? 'invalid-argument' : 'conflict', error.message);
      }
      throw error;
    }
    if (!refund.isFinal && !this.running.has(refund.id)) {
      // Answer after one attempt: definite, or queued (then retried in the background).
      const afterAttempt = await this.refundFlow.attempt(refund.id);
      if (!afterAttempt.isFinal) this.launch(afterAttempt, false, true);
    }
    return this.view(input.paymentIntentId);
  }

  /** Payment views of every open payment (and of payments with open refunds). */
  openPayments(): PaymentView[] {
    const ids = new Set<string>();
    for (const intent of this.deps.journal.openIntents()) {
      if (intent.kind === 'payment') ids.add(intent.id);
      else if (intent.kind === 'refund' && intent.parentIntentId) ids.add(intent.parentIntentId);
    }
    return [...ids].map((id) => this.view(id));
  }

  /** Stops every running flow at its next step; journaled states stay for the next start. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.allSettled([...this.running.values()].map((running) => running.done));
  }

  view(paymentIntentId: string): PaymentView {
    const intent = this.paymentIntent(paymentIntentId);
    const refunds = this.deps.journal.childIntents(intent.id).filter((child): child is IntentRecord<'refund'> => child.kind === 'refund');
    const refundable = isRefundablePaymentState(intent.state) ? this.refundFlow.refundableMinor(intent) : 0;
    return {
      paymentIntentId: intent.id,
      orderId: intent.orderId,
      method: intent.method as PaymentView['method'],
      amountMinor: intent.amountMinor,
      state: intent.state,
      isFinal: intent.isFinal,
      qrContent: intent.state === 'awaiting' ? stringOrNull(intent.detail.qrContent) : null,
      expiresAtMs: intent.state === 'awaiting' && typeof intent.detail.expiresAtMs === 'number' ? intent.detail.expiresAtMs : null,
      reason: stringOrNull(intent.detail.reason),
      provider: stringOrNull(intent.detail.provider) ?? stringOrNull(intent.detail.wallet),
      refundableMinor: refundable,
      refundStatus: refundStatusOf(intent.amountMinor, refunds),
      refunds: refunds.map((refund) => ({ refundId: refund.id, amountMinor: refund.amountMinor, state: refund.state, isFinal: refund.isFinal, reason: refund.state === 'refund-failed' ? stringOrNull(refund.detail.reason) : null })),
      updatedAtMs: Math.max(intent.updatedAtMs, ...refunds.map((refund) => refund.updatedAtMs)),
    };
  }

  private paymentIntent(paymentIntentId: string): IntentRecord<'payment'> {
    const intent = this.deps.journal.findIntent(paymentIntentId);
    if (!intent || intent.kind !== 'payment') throw new PaymentServiceError('not-found', `no payment "${paymentIntentId}"`);
    return intent;
  }

  private requireOnline(message: string): void {
    if (!this.deps.backend) throw new PaymentServiceError('unavailable', `${message} (this terminal has no payment backend: enroll it with \`terminal enroll\`)`);
    if (this.resolving) {
      throw new PaymentServiceError('unavailable', `payments left open by the last run are being resolved (${this.resolvingIntentIds.length}); wallet payments start once they are done; cash works meanwhile`, true);
    }
    if (this.deps.connectivity() === 'offline') throw new PaymentServiceError('unavailable', message, true);
  }

  private acceptOfflineCode(input: StartPaymentInput, code: string, paymentIntentId: string): StartedPayment {
    if (!this.deps.offlineCodes) throw new PaymentServiceError('unavailable', 'this terminal does not accept offline payment codes (no wallet key in its settings)');
    const stored = this.deps.journal.openIntentsInState('accepted-offline');
    const decision = this.deps.offlineCodes.evaluate(code, input.order.totalMinor, stored, this.deps.clock.nowMs());
    if (!decision.ok) throw new PaymentServiceError('invalid-argument', `offline code refused: ${decision.reason}`);
    // The backend recognises an offline payment by `detail.offlineCode` on the uploaded intent.
    // The code id is marked spent in the same transaction as the sale, for good.
    const codeId = String(decision.detail.codeId);
    const codeExpiresAtMs = typeof decision.detail.codeExpiresAtMs === 'number' ? decision.detail.codeExpiresAtMs : null;
    let receiptNumber: string;
    try {
      ({ receiptNumber } = this.deps.journal.recordOfflineCodeOrder(
        input.order,
        { id: paymentIntentId, kind: 'payment', orderId: input.order.id, method: 'offline-code', amountMinor: input.order.totalMinor, state: 'accepted-offline', isFinal: false, detail: { ...decision.detail, offlineCode: code, description: input.description } },
        { codeId, codeExpiresAtMs },
      ));
    } catch (error) {
      if (error instanceof OfflineCodeSpentError) throw new PaymentServiceError('invalid-argument', `offline code refused: this code already paid on this terminal (payment ${error.firstPaymentIntentId}); ask the customer for a new code`);
      throw error;
    }
    const view = this.view(paymentIntentId);
    this.announce(view);
    return { receiptNumber, changeMinor: 0, payment: view };
  }

  /** Applies the backend's verdict on a forwarded offline payment: accepted-offline → settled | rejected. */
  settleOfflinePayment(paymentIntentId: string, verdict: { status: 'settled' | 'rejected'; rejection: string | null; firstSpentByPaymentId: string | null }): void {
    const intent = this.deps.journal.findIntent(paymentIntentId);
    if (!intent || intent.state !== 'accepted-offline') return;
    moveOfflinePayment(
      this.context,
      paymentIntentId,
      'accepted-offline',
      verdict.status,
      verdict.status === 'rejected' ? { reason: `rejected by the backend: ${verdict.rejection ?? 'unknown reason'}`, rejection: verdict.rejection, firstSpentByPaymentId: verdict.firstSpentByPaymentId } : {},
    );
  }

  private launch(intent: IntentRecord, resumed: boolean, afterFailedAttempt = false): RunningFlow {
    const existing = this.running.get(intent.id);
    if (existing) return existing;
    const cancel = new AbortController();
    const control: FlowControl = { cancel: cancel.signal, stop: this.stopController.signal };
    const run = (): Promise<IntentRecord> => {
      if (intent.kind === 'refund') return this.refundFlow.run(intent.id, control, afterFailedAttempt);
      if (intent.method === 'qr') return this.merchantQr.run(intent.id, control, resumed);
      if (intent.method === 'code') return this.customerCode.run(intent.id, control, resumed);
      // Cash and other methods are final when recorded; an open one is left to its owner.
      return Promise.resolve(intent);
    };
    const done = run()
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, intentId: intent.id }, 'payment flow failed; the intent stays open for the next resolution');
        return this.deps.journal.getIntent(intent.id);
      })
      .finally(() => {
        this.running.delete(intent.id);
        this.scannedCodes.delete(intent.id);
      });
    const running = { cancel, done };
    this.running.set(intent.id, running);
    return running;
  }

  private waitForState(intentId: string, condition: (intent: IntentRecord) => boolean): Promise<IntentRecord> {
    return new Promise((resolve) => {
      const waiter = (intent: IntentRecord) => {
        if (intent.id !== intentId || !condition(intent)) return;
        this.changeWaiters.delete(waiter);
        resolve(intent);
      };
      this.changeWaiters.add(waiter);
    });
  }

  private changed(intent: IntentRecord): void {
    for (const waiter of [...this.changeWaiters]) waiter(intent);
    const paymentId = intent.kind === 'refund' ? intent.parentIntentId : intent.id;
    if (!paymentId || !this.deps.onPaymentChanged) return;
    try {
      this.announce(this.view(paymentId));
    } catch (error) {
      this.deps.logger.error({ err: error, intentId: intent.id }, 'payment view failed');
    }
  }

  /** Tells the payment change listener about VIEW; a failing listener is logged, never thrown to the flow. */
  private announce(view: PaymentView): void {
    try {
      this.deps.onPaymentChanged?.(view);
    } catch (error) {
      this.deps.logger.error({ err: error, intentId: view.paymentIntentId }, 'payment change listener failed');
    }
  }
}

function maskCode(code: string): string {
  return code.length <= 8 ? '****' : `${code.slice(0, 4)}${'*'.repeat(code.length - 8)}${code.slice(-4)}`;
}

function bindBackend(backend: PaymentBackend): PaymentBackend {
  return {
    createMerchantPayment: (request) => backend.createMerchantPayment(request),
    payWithCode: (request) => backend.payWithCode(request),
    queryPayment: (paymentId) => backend.queryPayment(paymentId),
    closePayment: (paymentId) => backend.closePayment(paymentId),
    reversePayment: (paymentId) => backend.reversePayment(paymentId),
    refund: (request) => backend.refund(request),
    subscribe: (paymentId, listener) => backend.subscribe(paymentId, listener),
  };
}

const unavailable = (): Promise<never> => Promise.reject(new PaymentBackendError('unreachable', 'no payment backend is configured'));
/** Stands in when the terminal is not enrolled; `requireOnline` refuses before any flow reaches it. */
const unconfiguredBackend: PaymentBackend = {
  createMerchantPayment: unavailable,
  payWithCode: unavailable,
  queryPayment: unavailable,
  closePayment: unavailable,
  reversePayment: unavailable,
  refund: unavailable,
  subscribe: () => () => undefined,
};

/** How much of a payment of AMOUNTMINOR its completed refunds gave back (see PaymentView.refundStatus). */
export function refundStatusOf(amountMinor: number, refunds: readonly IntentRecord<'refund'>[]): PaymentView['refundStatus'] {
  const refundedMinor = refunds.filter((refund) => refund.state === 'refunded').reduce((sum, refund) => sum + refund.amountMinor, 0);
  if (refundedMinor <= 0) return 'none';
  return refundedMinor >= amountMinor ? 'full' : 'partial';
}
