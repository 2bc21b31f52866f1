/**
 * What every payment flow runs on: the journal, the backend, injected time, and a change
 * listener. A flow changes state only through the mover of its state machine (`intentMover`):
 * it refuses a move the machine does not allow, journals the transition (with its outbox row)
 * and only then tells listeners, so nothing is announced before it is durable.
 */
import type { Logger } from 'pino';
import type { IntentRecord, IntentState, Journal } from '../../sync/store/journal.js';
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import type { PaymentBackend } from './payment-backend.js';

export interface FlowContext {
  readonly journal: Journal;
  readonly backend: PaymentBackend;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Called after every durable state change (and after creation). Must not throw. */
  readonly onChange: (intent: IntentRecord) => void;
}

export type IntentMoveErrorCode = 'illegal-transition';

/** A flow asked for a move its state machine does not allow; nothing was journaled. */
export class IntentMoveError extends Error {
  override readonly name = 'IntentMoveError';
  constructor(
    readonly code: IntentMoveErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A state machine over some of the intent states (main/domain/*-states.ts), as `StateMachine` declares them. */
export type IntentMachine = { readonly [From in IntentState]?: readonly IntentState[] };

/** Moves an intent FROM one state TO one the machine allows after it; the result is final when nothing follows TO. */
export type IntentMove<Machine extends IntentMachine> = <From extends keyof Machine & IntentState>(
  context: FlowContext,
  intentId: string,
  from: From,
  to: NonNullable<Machine[From]>[number],
  detail?: Record<string, unknown>,
) => IntentRecord;

/**
 * The mover of one state machine (merchant QR, customer code, refund): typed so a flow cannot
 * name a move its machine lacks, and checked at run time as well (throws `IntentMoveError`
 * `illegal-transition` before touching the journal). The journal still refuses a stale FROM.
 */
export function intentMover<Machine extends IntentMachine>(machine: Machine): IntentMove<Machine> {
  const table: IntentMachine = machine;
  return (context, intentId, from, to, detail) => {
    if (!table[from]?.includes(to)) {
      throw new IntentMoveError('illegal-transition', `intent ${intentId} may not move from "${from}" to "${to}"`);
    }
    const intent = context.journal.transitionIntent(intentId, { from, to, isFinal: (table[to]?.length ?? 0) === 0, detail });
    context.logger.info({ intentId, from, to }, 'payment intent moved');
    context.onChange(intent);
    return intent;
  };
}

/** Describes a backend failure for the journal: code and message, never a stack. */
export function failureDetail(error: { code: string; message: string }): Record<string, unknown> {
  return { errorCode: error.code, reason: error.message };
}
