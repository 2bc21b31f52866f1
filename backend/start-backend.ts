/**
 * Composition root of the reference backend: opens its SQLite file, builds the services and the
 * providers, publishes the sandbox wallet's public key in the terminals' settings, and starts the
 * HTTP server. Used by `terminal backend` and by tests (port 0, temp file, injected clock).
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../kernel/clock.js';
import { systemClock } from '../kernel/clock.js';
import { loadOrCreateSandboxWalletKey, type SandboxWalletKey } from './acquirers/sandbox/sandbox-wallet-key.js';
import { offlineWalletKeysSetting, type ProviderName } from '../sync/protocol/backend-api.js';
import { openBackendDatabase } from './storage/backend-database.js';
import { BackendServer } from './http/backend-server.js';
import { DistributionStore } from './services/distribution-store.js';
import { EventFeed } from './services/event-feed.js';
import { JournalIngest } from './services/journal-ingest.js';
import { createOfflineCodeVerifier } from './services/offline-code-verifier.js';
import { PaymentService } from './services/payment-service.js';
import type { PaymentProvider } from './acquirers/payment-provider.js';
import { SandboxWalletProvider, type SandboxMerchant } from './acquirers/sandbox/sandbox-wallet-provider.js';
import { SettlementReconciler } from './services/settlement-reconciler.js';
import { TerminalRegistry } from './services/terminal-registry.js';

/** Alipay customer codes: 16–24 digits starting 25–30 (docs/payment-rules.md#code-formats). */
const alipayCodePattern = /^(2[5-9]|30)\d{14,22}$/;

export interface BackendOptions {
  readonly dbFile: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** The sandbox wallet (provider + `/sandbox/*` endpoints); off when undefined. */
  readonly sandbox?: {
    /** The wallet's offline-code key file (created when absent). */
    readonly walletKeyFile: string;
    readonly merchant?: SandboxMerchant;
    readonly responseDelayMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
  };
  /** Further providers (e.g. Alipay), already configured with their keys. */
  readonly providers?: readonly PaymentProvider[];
  readonly logError?: (message: string, error: unknown) => void;
}

export interface RunningBackend {
  readonly url: string;
  readonly port: number;
  readonly db: Database.Database;
  readonly registry: TerminalRegistry;
  readonly distribution: DistributionStore;
  readonly sandbox: SandboxWalletProvider | undefined;
  readonly walletKey: SandboxWalletKey | undefined;
  close(): Promise<void>;
}

export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const clock = options.clock ?? systemClock;
  const logError = options.logError ?? ((message: string, error: unknown) => process.stderr.write(`backend: ${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
  const db = openBackendDatabase(options.dbFile);
  try {
    const registry = new TerminalRegistry(db, clock);
    const events = new EventFeed(db, clock);
    const distribution = new DistributionStore(db, clock);
    const providers = new Map<ProviderName, PaymentProvider>();
    for (const provider of options.providers ?? []) providers.set(provider.name, provider);
    let sandbox: SandboxWalletProvider | undefined;
    let walletKey: SandboxWalletKey | undefined;
    if (options.sandbox) {
      sandbox = new SandboxWalletProvider({ db, clock, merchant: options.sandbox.merchant, responseDelayMs: options.sandbox.responseDelayMs, sleep: options.sandbox.sleep });
      providers.set('sandbox', sandbox);
      walletKey = loadOrCreateSandboxWalletKey(options.sandbox.walletKeyFile);
      publishWalletKey(distribution, walletKey);
    }
    const defaultProvider = providers.has('sandbox') ? 'sandbox' : [...providers.keys()][0];
    if (!defaultProvider) throw new Error('the backend needs at least one payment provider: enable the sandbox or configure one');
    const journal = new JournalIngest(db, clock, (code, acceptedAtMs) => createOfflineCodeVerifier(walletKeyring(distribution))(code, acceptedAtMs));
    const payments = new PaymentService({
      db,
      clock,
      events,
      providers,
      defaultProvider,
      routeCustomerCode: (code) => {
        if (sandbox?.ownsCode(code)) return 'sandbox';
        if (providers.has('alipay') && alipayCodePattern.test(code)) return 'alipay';
        return sandbox ? 'sandbox' : undefined;
      },
    });
    const server = await BackendServer.start(
      { clock, registry, payments, events, journal, distribution, settlements: new SettlementReconciler(db, clock), sandbox, providers, logError },
      { host: options.host ?? '127.0.0.1', port: options.port ?? 0 },
    );
    return {
      url: server.url,
      port: server.port,
      db,
      registry,
      distribution,
      sandbox,
      walletKey,
      async close() {
        await server.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

function walletKeyring(distribution: DistributionStore): Map<string, string> {
  const keys = distribution.latest('settings')?.document[offlineWalletKeysSetting];
  const keyring = new Map<string, string>();
  if (keys && typeof keys === 'object' && !Array.isArray(keys)) {
    for (const [keyId, pem] of Object.entries(keys)) if (typeof pem === 'string') keyring.set(keyId, pem);
  }
  return keyring;
}

/** Makes sure the latest settings carry the sandbox wallet's public key (publishes a new version if not). */
function publishWalletKey(distribution: DistributionStore, key: SandboxWalletKey): void {
  const latest = distribution.latest('settings');
  const document = latest?.document ?? {};
  const current = document[offlineWalletKeysSetting];
  const keys = current && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  if (keys[key.keyId] === key.publicKeyPem) return;
  distribution.publish('settings', { ...document, [offlineWalletKeysSetting]: { ...keys, [key.keyId]: key.publicKeyPem } });
}
