/**
 * The payment and sync commands of the contract (`sale.startPayment`, `payment.*`, `sync.now`),
 * spread into the core's handler map. Converts service errors into typed contract errors.
 * Collecting money needs no operator session when none is given (integrations, kiosks); giving
 * money back (`payment.refund`) always needs a live supervisor session.
 */
import { randomUUID } from 'node:crypto';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { CommandInput, CommandName, CommandOutput, OfflineTotals, SyncStatusView } from '../contract/contract.js';
import { formatMinorAsDecimal } from '../../kernel/money.js';
import type { PricedOrder } from '../domain/order.js';
import type { TerminalMode } from '../domain/roles.js';
import { PaymentServiceError, type PaymentService } from '../payments/payment-service.js';
import { CommandError, translatingErrors } from './command-error.js';

export type PaymentCommandName = 'sale.startPayment' | 'payment.status' | 'payment.cancel' | 'payment.refund' | 'payment.open' | 'sync.now';
export type PaymentCommandHandlers = { [K in PaymentCommandName & CommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

/** The sync client as the core sees it. */
export interface SyncControl {
  syncNow(): Promise<SyncStatusView>;
}

export interface PaymentHandlerDeps {
  /** Undefined until the composition root wires payments: the commands then answer `unavailable`. */
  readonly payments: () => PaymentService | undefined;
  readonly sync: () => SyncControl | undefined;
  readonly offlineTotals: () => OfflineTotals;
  /** Read lazily: the core builds its handler map before its own fields are set. */
  readonly terminal: () => { readonly sessions: OperatorSessions; readonly mode: TerminalMode; readonly terminalId: string };
  readonly price: (lines: NonNullable<CommandInput<'sale.startPayment'>['lines']>) => PricedOrder;
}

function toCommandError(error: unknown): unknown {
  if (error instanceof PaymentServiceError) return new CommandError(error.code, error.message, error.retryable);
  return error;
}

export function createPaymentHandlers(deps: PaymentHandlerDeps): PaymentCommandHandlers {
  const service = (): PaymentService => {
    const payments = deps.payments();
    if (!payments) throw new CommandError('unavailable', 'payments are not set up on this terminal');
    return payments;
  };
  const guarded = translatingErrors(toCommandError);

  return {
    'sale.startPayment': (input) =>
      guarded(async () => {
        const { sessions, mode, terminalId } = deps.terminal();
        if (input.method === 'cash' && mode === 'kiosk') throw new CommandError('forbidden', 'an unattended kiosk does not take cash');
        const session = input.sessionId === undefined ? undefined : sessions.require(input.sessionId, 'sale.create');
        const priced = input.lines
          ? deps.price(input.lines)
          : { currency: 'CNY' as const, totalMinor: input.amountMinor ?? 0, lines: [] };
        if (priced.totalMinor <= 0) throw new CommandError('invalid-argument', 'the sale total must be more than zero');
        const orderId = randomUUID();
        const started = await service().startPayment({
          order: { id: orderId, terminalId, mode, userId: session?.user.id ?? null, lines: priced.lines, totalMinor: priced.totalMinor, currency: 'CNY' },
          method: input.method,
          code: input.code,
          tenderedMinor: input.tenderedMinor,
          description: `${terminalId} ￥${formatMinorAsDecimal(priced.totalMinor)}`,
        });
        return { orderId, receiptNumber: started.receiptNumber, totalMinor: priced.totalMinor, changeMinor: started.changeMinor, payment: started.payment };
      }),
    'payment.status': ({ paymentIntentId }) => guarded(() => service().status(paymentIntentId)),
    'payment.cancel': ({ paymentIntentId }) => guarded(() => service().cancel(paymentIntentId)),
    'payment.refund': ({ sessionId, paymentIntentId, refundId, amountMinor, reason }) =>
      guarded(() => {
        const session = deps.terminal().sessions.require(sessionId, 'sale.refund');
        return service().refund({ refundId, paymentIntentId, amountMinor, reason, requestedBy: session.user.id });
      }),
    'payment.open': () => guarded(() => ({ resolving: service().resolving, payments: service().openPayments(), offline: deps.offlineTotals() })),
    'sync.now': () =>
      guarded(() => {
        const sync = deps.sync();
        if (!sync) throw new CommandError('unavailable', 'this terminal has no backend to sync with (enroll it with `terminal enroll`)');
        return sync.syncNow();
      }),
  };
}
