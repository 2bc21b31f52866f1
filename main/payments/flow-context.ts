/**
 * What every payment flow runs on: the journal, the backend, injected time, and a change
 * listener. `moveIntent` is the one way flows change state: it journals the transition (with its
 * outbox row) and only then tells listeners, so nothing is announced before it is durable.
 */
import type { Logger } from 'pino';
import type { IntentRecord, Journal } from '../../sync/store/journal.js';
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import type { PaymentBackend } from './payment-backend.js';
import { isFinalState } from './payment-states.js';

export interface FlowContext {
  readonly journal: Journal;
  readonly backend: PaymentBackend;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Called after every durable state change (and after creation). Must not throw. */
  readonly onChange: (intent: IntentRecord) => void;
}

export function moveIntent(context: FlowContext, intentId: string, from: string, to: string, detail?: Record<string, unknown>): IntentRecord {
  const intent = context.journal.transitionIntent(intentId, { from, to, isFinal: isFinalState(to), detail });
  context.logger.info({ intentId, from, to }, 'payment intent moved');
  context.onChange(intent);
  return intent;
}

/** Describes a backend failure for the journal: code and message, never a stack. */
export function failureDetail(error: { code: string; message: string }): Record<string, unknown> {
  return { errorCode: error.code, reason: error.message };
}
