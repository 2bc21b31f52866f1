/**
 * The payment and sync commands of the contract (`sale.payCash`, `sale.startPayment`,
 * `payment.*`, `sync.now`), spread into the core's handler map. Converts service errors into
 * typed contract errors.
 *
 * Cash, from either command, goes through the payment service's one cash path (operator session
 * with `sale.create`, change computed once). A wallet payment needs no operator session when none
 * is given (integrations); giving money back (`payment.refund`) always needs a supervisor session.
 */
import { randomUUID } from 'node:crypto';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { CommandInput, CommandName, CommandOutput, OfflineTotals, SyncStatusView } from '../contract/contract.js';
import { formatMinorAsDecimal } from '../../kernel/money.js';
import type { PricedOrder } from '../domain/order.js';
import type { TerminalMode } from '../domain/roles.js';
import { PaymentServiceError, type PaymentService, type StartedPayment } from '../payments/payment-service.js';
import { OrderExistsError, type Journal } from '../../sync/store/journal.js';
import { CommandError, translatingErrors } from './command-error.js';
import { judgeReplay, orderIdForIdempotencyKey, type RecordedSale } from './idempotent-sale.js';

export type PaymentCommandName = 'sale.payCash' | 'sale.startPayment' | 'payment.status' | 'payment.cancel' | 'payment.refund' | 'payment.open' | 'sync.now';
export type PaymentCommandHandlers = { [K in PaymentCommandName & CommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

/** The sync client as the core sees it. */
export interface SyncControl {
  syncNow(): Promise<SyncStatusView>;
}

export interface PaymentHandlerDeps {
  readonly payments: PaymentService;
  /** Absent when the terminal is not enrolled: `sync.now` answers `unavailable`. */
  readonly sync: SyncControl | undefined;
  readonly offlineTotals: () => OfflineTotals;
  readonly sessions: OperatorSessions;
  readonly mode: TerminalMode;
  readonly terminalId: string;
  readonly price: (lines: NonNullable<CommandInput<'sale.startPayment'>['lines']>) => PricedOrder;
  /** Where a replayed sale (same idempotency key) is looked up. */
  readonly journal: Pick<Journal, 'findOrder' | 'intentsOfOrder'>;
}

function toCommandError(error: unknown): unknown {
  if (error instanceof PaymentServiceError) return new CommandError(error.code, error.message, error.retryable);
  return error;
}

export function createPaymentHandlers(deps: PaymentHandlerDeps): PaymentCommandHandlers {
  const { payments, sessions, mode, terminalId } = deps;
  const guarded = translatingErrors(toCommandError);
  /** The sale already recorded under ORDERID, if any. */
  const recordedSale = (orderId: string): RecordedSale | undefined => {
    const order = deps.journal.findOrder(orderId);
    const payment = order && deps.journal.intentsOfOrder(orderId).find((intent) => intent.kind === 'payment');
    return order && payment ? { receiptNumber: order.receiptNumber, totalMinor: order.totalMinor, payment } : undefined;
  };
  /**
   * Runs SELL for a new order id, or, with an idempotency key, answers a replay of the same key
   * with the sale it recorded (before SELL, or when a racing copy of the request recorded first).
   */
  const once = async <T extends StartedPayment>(idempotencyKey: string | undefined, requested: { totalMinor: number; method: 'qr' | 'code' | 'cash' }, sell: (orderId: string) => T | Promise<T>): Promise<{ orderId: string } & StartedPayment> => {
    if (idempotencyKey === undefined) {
      const orderId = randomUUID();
      return { orderId, ...(await sell(orderId)) };
    }
    const orderId = orderIdForIdempotencyKey(terminalId, idempotencyKey);
    const replay = () => {
      const recorded = recordedSale(orderId);
      if (!recorded) return undefined;
      const verdict = judgeReplay(recorded, requested);
      if (verdict.kind === 'different-sale') throw new CommandError('conflict', verdict.message);
      return { orderId, receiptNumber: recorded.receiptNumber, changeMinor: Number(recorded.payment.detail.changeMinor ?? 0), payment: payments.status(recorded.payment.id) };
    };
    const earlier = replay();
    if (earlier) return earlier;
    try {
      return { orderId, ...(await sell(orderId)) };
    } catch (error) {
      // Only a refused insert of the order (its primary key) means a racing copy recorded it first;
      // any other failure (backend unreachable after the order was journaled…) is this sale's own.
      const raced = error instanceof OrderExistsError ? replay() : undefined;
      if (raced) return raced;
      throw error;
    }
  };
  const payCash = (sessionId: string | undefined, priced: PricedOrder, tenderedMinor: number, idempotencyKey: string | undefined) =>
    once(idempotencyKey, { totalMinor: priced.totalMinor, method: 'cash' }, (orderId) =>
      payments.payCash({ sessionId, order: { id: orderId, terminalId, mode, lines: priced.lines, totalMinor: priced.totalMinor, currency: priced.currency }, tenderedMinor }),
    );

  return {
    'sale.payCash': ({ sessionId, lines, tenderedMinor, idempotencyKey }) =>
      guarded(async () => {
        const priced = deps.price(lines);
        const paid = await payCash(sessionId, priced, tenderedMinor, idempotencyKey);
        return { orderId: paid.orderId, receiptNumber: paid.receiptNumber, totalMinor: priced.totalMinor, changeMinor: paid.changeMinor, paymentIntentId: paid.payment.paymentIntentId };
      }),
    'sale.startPayment': (input) =>
      guarded(async () => {
        const priced = input.lines ? deps.price(input.lines) : { currency: 'CNY' as const, totalMinor: input.amountMinor ?? 0, lines: [] };
        if (priced.totalMinor <= 0) throw new CommandError('invalid-argument', 'the sale total must be more than zero');
        if (input.method === 'cash') {
          const paid = await payCash(input.sessionId, priced, input.tenderedMinor ?? priced.totalMinor, input.idempotencyKey);
          return { orderId: paid.orderId, receiptNumber: paid.receiptNumber, totalMinor: priced.totalMinor, changeMinor: paid.changeMinor, payment: paid.payment };
        }
        const session = input.sessionId === undefined ? undefined : sessions.require(input.sessionId, 'sale.create');
        const method = input.method;
        const started = await once(input.idempotencyKey, { totalMinor: priced.totalMinor, method }, (orderId) =>
          payments.startPayment({
            order: { id: orderId, terminalId, mode, userId: session?.user.id ?? null, lines: priced.lines, totalMinor: priced.totalMinor, currency: priced.currency },
            method,
            code: input.code,
            description: `${terminalId} ￥${formatMinorAsDecimal(priced.totalMinor)}`,
          }),
        );
        return { orderId: started.orderId, receiptNumber: started.receiptNumber, totalMinor: priced.totalMinor, changeMinor: started.changeMinor, payment: started.payment };
      }),
    'payment.status': ({ paymentIntentId }) => guarded(() => payments.status(paymentIntentId)),
    'payment.cancel': ({ paymentIntentId }) => guarded(() => payments.cancel(paymentIntentId)),
    'payment.refund': ({ sessionId, paymentIntentId, refundId, amountMinor, reason }) =>
      guarded(() => {
        const session = sessions.require(sessionId, 'sale.refund');
        return payments.refund({ refundId, paymentIntentId, amountMinor, reason, requestedBy: session.user.id });
      }),
    'payment.open': () => guarded(() => ({ resolving: payments.resolving, payments: payments.openPayments(), offline: deps.offlineTotals() })),
    'sync.now': () =>
      guarded(() => {
        if (!deps.sync) throw new CommandError('unavailable', 'this terminal has no backend to sync with (enroll it with `terminal enroll`)');
        return deps.sync.syncNow();
      }),
  };
}
