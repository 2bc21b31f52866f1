/**
 * Builds the payment side of a starting terminal, before the core: the enrolled identity (if
 * any), the signed HTTP client, the payment backend adapter, the sync client with its uploader
 * and distribution puller, offline-code acceptance, and the payment service, all reporting to the
 * terminal's event hub; then starts the start-up resolution of intents left open (resolve before
 * selling, docs/principles.md#resolve-before-selling) and the sync loop. The core is handed what this returns.
 *
 * Without an enrolled identity, cash works and wallet payments answer `unavailable`.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { offlineWalletKeysSetting } from '../../sync/protocol/backend-api.js';
import { BackendHttpClient } from '../../sync/client/backend-http-client.js';
import { HttpDistributionPuller } from '../../sync/client/distribution-puller.js';
import { JournalUploader } from '../../sync/client/journal-uploader.js';
import { SyncClient } from '../../sync/client/sync-client.js';
import { CredentialStoreError, TerminalCredentialStore, type SecretProtector } from '../../sync/client/terminal-credential-store.js';
import type { Journal } from '../../sync/store/journal.js';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { OfflineTotals } from '../contract/contract.js';
import type { SyncControl } from '../core/payment-handlers.js';
import type { TerminalEvents } from '../core/terminal-events.js';
import type { Clock } from '../../kernel/clock.js';
import type { OfflineAcceptancePolicy } from '../payments/offline-acceptance.js';
import type { Timers } from '../../kernel/timers.js';
import { HttpPaymentBackend } from '../payments/http-payment-backend.js';
import { offlineTotals, VerifyingOfflineCodeAcceptor } from '../payments/offline-code-acceptor.js';
import { PaymentService } from '../payments/payment-service.js';

export interface PaymentsSetupOptions {
  readonly config: TerminalConfig;
  readonly dataDir: string;
  readonly journal: Journal;
  readonly sessions: OperatorSessions;
  readonly events: TerminalEvents;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Electron passes a safeStorage-backed protector; Node mode uses the 0600 key file. */
  readonly secretProtector?: SecretProtector | undefined;
}

export interface PaymentsSetup {
  readonly payments: PaymentService;
  readonly sync: SyncClient | undefined;
  /** `sync.now` for the core; undefined without a sync client. */
  readonly syncControl: SyncControl | undefined;
  readonly offlineTotals: () => OfflineTotals;
  /** Resolves when the start-up resolution is done. */
  readonly resolution: Promise<void>;
  stop(): Promise<void>;
}

/** The offline acceptance caps configured under `offline:`. */
export function offlineAcceptancePolicyOf(config: TerminalConfig): OfflineAcceptancePolicy {
  return {
    perPaymentCapMinor: config.offline.perPaymentCapMinor,
    totalStoredCapMinor: config.offline.totalStoredCapMinor,
    maxAgeMs: config.offline.maxAgeHours * 3_600_000,
  };
}

export function setupPayments(options: PaymentsSetupOptions): PaymentsSetup {
  const { config, journal, sessions, events, clock, timers, logger } = options;
  const policy = offlineAcceptancePolicyOf(config);

  let identity;
  try {
    identity = new TerminalCredentialStore(options.dataDir, options.secretProtector).load();
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    logger.error({ err: error }, 'the stored backend identity cannot be used; wallet payments are unavailable until the terminal is enrolled again');
  }
  const backendUrl = config.backend.url !== 'sandbox' ? config.backend.url : identity?.backendUrl;

  let client: BackendHttpClient | undefined;
  let backend: HttpPaymentBackend | undefined;
  let puller: HttpDistributionPuller | undefined;
  if (identity && backendUrl) {
    client = new BackendHttpClient({ baseUrl: backendUrl, credentials: identity, clock });
    backend = new HttpPaymentBackend(client, { timers });
    puller = new HttpDistributionPuller(client, join(options.dataDir, 'distribution'), (kind, stored) => logger.info({ kind, version: stored.version }, 'distribution updated'));
  } else {
    logger.warn('no enrolled backend identity: cash only (run `terminal enroll --backend URL --code CODE`)');
  }

  const keyring = (): Map<string, string> => {
    const keys = puller?.stored('settings')?.document[offlineWalletKeysSetting];
    const map = new Map<string, string>();
    if (keys && typeof keys === 'object' && !Array.isArray(keys)) for (const [keyId, pem] of Object.entries(keys)) if (typeof pem === 'string') map.set(keyId, pem);
    return map;
  };

  let sync: SyncClient | undefined;
  const payments = new PaymentService({
    saleLimits: config.limits,
    journal,
    sessions,
    backend,
    clock,
    timers,
    logger,
    connectivity: () => events.connectivity(),
    offlineCodes: new VerifyingOfflineCodeAcceptor(keyring, policy, (codeId) => journal.offlineCodeSpentBy(codeId) !== undefined),
    onPaymentChanged: (view) => {
      events.publish({ name: 'payment.changed', payload: view });
      sync?.notify();
    },
    onStatusChanged: () => events.statusChanged(),
  });
  if (client) {
    sync = new SyncClient({
      journal,
      uploader: new JournalUploader(client),
      clock,
      timers,
      puller,
      onOfflinePayment: (verdict) => payments.settleOfflinePayment(verdict.paymentId, verdict),
      onStatus: (status) => events.setConnectivity(status.connectivity, status.lastSuccessAtMs ?? undefined),
      onError: (error) => logger.warn({ err: error }, 'sync side task failed'),
    });
  }
  const activeSync = sync;
  activeSync?.start();
  const resolution = payments.resolveOpenIntents().then(
    (resolved) => {
      if (resolved.length > 0) logger.info({ states: resolved.map((intent) => `${intent.id}:${intent.state}`) }, 'open intents from the previous run resolved');
    },
    (error: unknown) => logger.error({ err: error }, 'start-up resolution failed'),
  );
  return {
    payments,
    sync: activeSync,
    syncControl: activeSync && { syncNow: () => activeSync.syncNow() },
    offlineTotals: () => offlineTotals(journal, policy),
    resolution,
    async stop() {
      backend?.stop();
      await payments.stop();
      await activeSync?.stop();
    },
  };
}
