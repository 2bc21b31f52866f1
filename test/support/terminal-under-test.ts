/**
 * A terminal's payment side (journal, HTTP client through a URL, payment service, sync client)
 * on real timers with short test timings, for integration and crash tests against a real backend.
 */
import type { Logger } from 'pino';
import { systemTimers } from '../../kernel/system-timers.js';
import { systemClock } from '../../kernel/clock.js';
import { OperatorSessions } from '../../main/auth/operator-sessions.js';
import { defaultConfig } from '../../main/config/load-config.js';
import { createSilentLogger } from '../../main/logging/logger.js';
import { HttpPaymentBackend } from '../../main/payments/http-payment-backend.js';
import { PaymentService } from '../../main/payments/payment-service.js';
import { BackendHttpClient, type TerminalCredentials } from '../../sync/client/backend-http-client.js';
import { JournalUploader } from '../../sync/client/journal-uploader.js';
import { SyncClient } from '../../sync/client/sync-client.js';
import { Journal } from '../../sync/store/journal.js';

export interface TerminalUnderTest {
  readonly journal: Journal;
  readonly payments: PaymentService;
  /** The embedded default operators (cashier `1111`): cash needs a session. */
  readonly sessions: OperatorSessions;
  readonly sync: SyncClient;
  readonly backend: HttpPaymentBackend;
  stop(): Promise<void>;
}

export function startTerminalUnderTest(options: { journalFile: string; baseUrl: string; credentials: TerminalCredentials; timeoutMs?: number; logger?: Logger }): TerminalUnderTest {
  const journal = Journal.open(options.journalFile);
  const client = new BackendHttpClient({ baseUrl: options.baseUrl, credentials: options.credentials, clock: systemClock, timeoutMs: options.timeoutMs ?? 1_500 });
  const backend = new HttpPaymentBackend(client, { timers: systemTimers, eventWaitMs: 1_000, eventRetryMs: 200 });
  const retry = { baseMs: 50, capMs: 400 };
  // The service is told about changes by a sync client built after it.
  const holder: { sync?: SyncClient } = {};
  const config = defaultConfig();
  const sessions = new OperatorSessions(config.users, journal, systemClock, { maxAttempts: config.security.pinMaxAttempts, lockoutMs: config.security.pinLockoutSeconds * 1000 });
  const payments = new PaymentService({
    journal,
    sessions,
    backend,
    clock: systemClock,
    timers: systemTimers,
    logger: options.logger ?? createSilentLogger(),
    connectivity: () => 'online',
    merchantQr: { pollIntervalMs: 300, expiryMs: 60_000, retry },
    customerCode: { queryIntervalMs: 300, reverseAfterMs: 3_000, wechatMinReverseDelayMs: 1_000, retry },
    refunds: { retry },
    onPaymentChanged: () => holder.sync?.notify(),
  });
  const sync = new SyncClient(
    { journal, uploader: new JournalUploader(client, options.timeoutMs ?? 1_500), clock: systemClock, timers: systemTimers, onOfflinePayment: (verdict) => payments.settleOfflinePayment(verdict.paymentId, verdict) },
    { batchSize: 7, backoff: { baseMs: 20, capMs: 200 }, retryBudget: { maxRetries: 100_000, windowMs: 60_000 }, idleIntervalMs: 100 },
  );
  holder.sync = sync;
  sync.start();
  const activeSync = sync;
  return {
    journal,
    payments,
    sessions,
    sync: activeSync,
    backend,
    async stop() {
      backend.stop();
      await payments.stop();
      await activeSync.stop();
      journal.close();
    },
  };
}
