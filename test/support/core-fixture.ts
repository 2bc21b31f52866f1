/**
 * A TerminalCore on a real journal file, the embedded default config and a fake clock, built the
 * way main/app/start-terminal.ts builds it: the event hub first, then the services on it, then
 * the core from those services. By default the only service is a payment service without a
 * backend (cash only); `services` builds others from the fixture's parts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemTimers } from '../../kernel/system-timers.js';
import { offlineAcceptancePolicyOf } from '../../main/app/setup-payments.js';
import { OperatorSessions } from '../../main/auth/operator-sessions.js';
import type { TerminalConfig } from '../../main/config/config-schema.js';
import { defaultConfig } from '../../main/config/load-config.js';
import { TerminalCore, type TerminalCoreDeps } from '../../main/core/terminal-core.js';
import { connectivityAtStart, TerminalEvents } from '../../main/core/terminal-events.js';
import type { PaymentView } from '../../main/contract/contract.js';
import type { TerminalMode } from '../../main/domain/roles.js';
import { createSilentLogger } from '../../main/logging/logger.js';
import { offlineTotals } from '../../main/payments/offline-code-acceptor.js';
import { PaymentService, type PaymentServiceDeps } from '../../main/payments/payment-service.js';
import { Journal } from '../../sync/store/journal.js';
import { FakeClock } from './fake-clock.js';

/** What the services of a fixture are built from. */
export interface CoreParts {
  readonly config: TerminalConfig;
  readonly journal: Journal;
  readonly sessions: OperatorSessions;
  readonly events: TerminalEvents;
  readonly logger: Logger;
  /** The payment service's listeners, wired to the hub as main/app/setup-payments.ts wires them. */
  readonly paymentListeners: Required<Pick<PaymentServiceDeps, 'onPaymentChanged' | 'onStatusChanged'>>;
}

export type CoreServices = Pick<TerminalCoreDeps, 'payments' | 'sync' | 'vending' | 'printing' | 'technician'>;

export interface CoreFixture {
  readonly core: TerminalCore;
  readonly events: TerminalEvents;
  readonly journal: Journal;
  readonly sessions: OperatorSessions;
  readonly clock: FakeClock;
  readonly config: TerminalConfig;
  readonly journalFile: string;
  close(): void;
}

export interface CoreFixtureOptions {
  readonly mode?: TerminalMode;
  readonly journalFile?: string;
  readonly clock?: FakeClock;
  readonly config?: TerminalConfig;
  /** A hub the test made first (to wire services it built before the fixture). */
  readonly events?: TerminalEvents;
  readonly services?: (parts: CoreParts) => CoreServices;
}

export function createCoreFixture(options: CoreFixtureOptions = {}): CoreFixture {
  const config = options.config ?? defaultConfig();
  const clock = options.clock ?? new FakeClock();
  const journalFile = options.journalFile ?? join(mkdtempSync(join(tmpdir(), 'core-')), 'journal.sqlite');
  const journal = Journal.open(journalFile, { nowMs: () => clock.nowMs() });
  const logger = createSilentLogger();
  const sessions = new OperatorSessions(config.users, journal, clock, { maxAttempts: config.security.pinMaxAttempts, lockoutMs: config.security.pinLockoutSeconds * 1000 });
  const events = options.events ?? new TerminalEvents(logger, connectivityAtStart(config));
  const paymentListeners = {
    onPaymentChanged: (view: PaymentView) => events.publish({ name: 'payment.changed', payload: view }),
    onStatusChanged: () => events.statusChanged(),
  };
  const services =
    options.services?.({ config, journal, sessions, events, logger, paymentListeners }) ?? {
      // No backend: no flow ever runs, so the timers are never used.
      payments: new PaymentService({ journal, sessions, backend: undefined, clock, timers: systemTimers, logger, connectivity: () => events.connectivity(), ...paymentListeners }),
    };
  const core = new TerminalCore({
    config,
    mode: options.mode ?? 'counter',
    journal,
    sessions,
    clock,
    logger,
    dataDir: '/tmp/test-data',
    version: '0.0.0-test',
    events,
    offlineTotals: () => offlineTotals(journal, offlineAcceptancePolicyOf(config)),
    ...services,
  });
  return { core, events, journal, sessions, clock, config, journalFile, close: () => journal.close() };
}
