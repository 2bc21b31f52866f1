/**
 * Composition root of the reference backend: opens its SQLite file, builds the services and the
 * providers, publishes the sandbox wallet's public key in the terminals' settings, and starts the
 * HTTP server. Used by `terminal backend` and by tests (port 0, temp file, injected clock).
 *
 * Contracts (docs/backend-api.md, docs/tls.md):
 * - Plain HTTP only on loopback: a non-loopback `host` needs `tls`, or `allowInsecureHttp`
 *   (`insecure-bind` otherwise, before anything listens).
 * - The sandbox is on only when `sandbox` is given; nothing else turns it on.
 * - The provider for merchant-presented payments that name none is chosen, never guessed: the only
 *   provider, or `defaultProvider` when there are several (`default-provider-needed` otherwise).
 */
import type Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import { systemClock } from '../kernel/clock.js';
import { loadOrCreateSandboxWalletKey, type SandboxWalletKey } from './acquirers/sandbox/sandbox-wallet-key.js';
import { loadOrCreateSandboxAccessKey, sandboxAccessKeyFileName } from './acquirers/sandbox/sandbox-access-key.js';
import { offlineWalletKeysSetting, type ProviderName } from '../sync/protocol/backend-api.js';
import { isLoopbackHost } from '../sync/protocol/transport-security.js';
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

export type BackendStartErrorCode = 'insecure-bind' | 'no-provider' | 'default-provider-needed' | 'default-provider-unknown';

/** A start refused for its options (nothing is listening); the message says which option to change. */
export class BackendStartError extends Error {
  override readonly name = 'BackendStartError';
  constructor(
    readonly code: BackendStartErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BackendOptions {
  readonly dbFile: string;
  /** Default 127.0.0.1. Any other address needs `tls` or `allowInsecureHttp`. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** Serve HTTPS with this certificate (PEM, own certificate first) and private key. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** Allow plain HTTP on a non-loopback address (terminal secrets then cross the network in clear). */
  readonly allowInsecureHttp?: boolean;
  /** The provider of merchant-presented payments that name none; needed when several are configured. */
  readonly defaultProvider?: ProviderName;
  /** The sandbox wallet (provider + `/sandbox/*` endpoints); off when undefined. */
  readonly sandbox?: {
    /** The wallet's offline-code key file (created when absent). */
    readonly walletKeyFile: string;
    /** The sandbox key file (created 0600 when absent); default `sandbox-access.key` next to `dbFile`. */
    readonly accessKeyFile?: string;
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
  /** The sandbox key file clients of `/sandbox/*` read (undefined without the sandbox). */
  readonly sandboxAccessKeyFile: string | undefined;
  /** The provider of merchant-presented payments that name none. */
  readonly defaultProvider: ProviderName;
  close(): Promise<void>;
}

export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const clock = options.clock ?? systemClock;
  const logError = options.logError ?? ((message: string, error: unknown) => process.stderr.write(`backend: ${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.tls && options.allowInsecureHttp !== true) {
    throw new BackendStartError(
      'insecure-bind',
      `refusing plain HTTP on ${host}, which is not loopback: terminal secrets would cross the network in clear. Give a certificate (--tls-cert FILE --tls-key FILE), put a TLS proxy in front of a loopback backend (docs/tls.md), or accept the risk with --insecure-http`,
    );
  }
  const db = openBackendDatabase(options.dbFile);
  try {
    const registry = new TerminalRegistry(db, clock);
    const events = new EventFeed(db, clock);
    const distribution = new DistributionStore(db, clock);
    const providers = new Map<ProviderName, PaymentProvider>();
    for (const provider of options.providers ?? []) providers.set(provider.name, provider);
    let sandbox: SandboxWalletProvider | undefined;
    let walletKey: SandboxWalletKey | undefined;
    let sandboxAccess: { readonly wallet: SandboxWalletProvider; readonly accessKey: string } | undefined;
    const sandboxAccessKeyFile = options.sandbox ? (options.sandbox.accessKeyFile ?? join(dirname(options.dbFile), sandboxAccessKeyFileName)) : undefined;
    if (options.sandbox && sandboxAccessKeyFile !== undefined) {
      sandbox = new SandboxWalletProvider({ db, clock, merchant: options.sandbox.merchant, responseDelayMs: options.sandbox.responseDelayMs, sleep: options.sandbox.sleep });
      providers.set('sandbox', sandbox);
      sandboxAccess = { wallet: sandbox, accessKey: loadOrCreateSandboxAccessKey(sandboxAccessKeyFile) };
      walletKey = loadOrCreateSandboxWalletKey(options.sandbox.walletKeyFile);
      publishWalletKey(distribution, walletKey);
    }
    const defaultProvider = chooseDefaultProvider([...providers.keys()], options.defaultProvider);
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
      { clock, registry, payments, events, journal, distribution, settlements: new SettlementReconciler(db, clock), sandbox: sandboxAccess, providers, logError },
      { host, port: options.port ?? 0, tls: options.tls },
    );
    return {
      url: server.url,
      port: server.port,
      db,
      registry,
      distribution,
      sandbox,
      walletKey,
      sandboxAccessKeyFile,
      defaultProvider,
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

function chooseDefaultProvider(configured: readonly ProviderName[], wanted: ProviderName | undefined): ProviderName {
  if (configured.length === 0) throw new BackendStartError('no-provider', 'the backend needs a payment provider: --alipay-config FILE for Alipay, or --sandbox for the test wallet');
  if (wanted !== undefined) {
    if (!configured.includes(wanted)) throw new BackendStartError('default-provider-unknown', `the default provider "${wanted}" is not configured (configured: ${configured.join(', ')})`);
    return wanted;
  }
  const [only, ...others] = configured;
  if (only === undefined || others.length > 0) {
    throw new BackendStartError('default-provider-needed', `several providers are configured (${configured.join(', ')}): choose the one for QR payments with --default-provider`);
  }
  return only;
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
