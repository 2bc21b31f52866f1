/**
 * `terminal backend …` (the reference payment backend) and `terminal wallet …` (the sandbox
 * wallet's customer side). Results go to standard output; a failure throws and `runCli` prints
 * the one-line reason.
 *
 * - `terminal backend [serve] [--port N] [--host H] [--db FILE] [--sandbox [--sandbox-key FILE] [--sandbox-delay-ms N] [--wallet-key FILE]]
 *   [--alipay-config FILE] [--default-provider P] [--tls-cert FILE --tls-key FILE] [--insecure-http]`
 *   prints `backend: listening on <url>` once it accepts requests, and runs until SIGINT/SIGTERM.
 *   Providers are only those asked for: `--alipay-config` adds Alipay face-to-face
 *   (backend/acquirers/alipay/alipay-config-file.ts), `--sandbox` the test wallet; with both,
 *   `--default-provider` chooses the one for QR payments. A non-loopback `--host` needs TLS or
 *   `--insecure-http` (docs/tls.md); usage errors exit 2.
 * - `terminal backend enroll --name NAME [--db FILE] [--ttl-minutes N] [--tls-cert FILE]` prints a
 *   one-time code; with `--tls-cert` the code carries the certificate pin (`CODE#sha256=HEX`).
 * - `terminal backend publish <catalog|planogram|settings> <file.json> [--db FILE]` publishes a version.
 * - `terminal wallet pay "<qr content>" [--backend URL] [--decline] [--payer ID] [--sandbox-key FILE]` exits 0 when paid.
 * - `terminal wallet code [--offline] …` prints a customer-presented code on one line.
 *   `wallet pay` and online `wallet code` send the sandbox key read from `--sandbox-key FILE`
 *   (default `<data dir>/sandbox-access.key`, where the embedded sandbox and a default
 *   `terminal backend --sandbox` keep it).
 * - `terminal wallet public-key [--wallet-key FILE]` prints the offline-code key id and public key.
 */
import { Argument, type Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDataDir } from '../config/data-dir.js';
import { formatMoney, MoneyError, parseMajorToMinor } from '../../kernel/money.js';
import {
  distributionKinds,
  type DistributionKind,
  maxSandboxBalanceMinor,
  providerNames,
  type ProviderName,
  sandboxBalanceLimitText,
  sandboxBehaviours,
  type SandboxBehaviour,
} from '../../sync/protocol/backend-api.js';
import { formatEnrollmentCode, isLoopbackHost } from '../../sync/protocol/transport-security.js';
import {
  openBackendDatabase,
  BackendError,
  BackendStartError,
  BackendTlsError,
  DistributionStore,
  startBackend,
  AlipayConfigError,
  readAlipayConfigFile,
  readBackendTls,
  readCertificatePin,
  readSandboxAccessKey,
  AlipayFaceToFaceProvider,
  type BackendTls,
  type PaymentProvider,
  TerminalRegistry,
  SandboxWalletClient,
  loadOrCreateSandboxWalletKey,
  sandboxAccessKeyFileName,
  sandboxWalletKeyFileName,
} from '../../backend/index.js';
import { systemClock } from '../../kernel/clock.js';
import { issueOfflineCode } from '../../sync/protocol/offline-code.js';
import { CliUsageError } from './cli-failure.js';
import type { CliContext } from './terminal-cli.js';

export const defaultBackendPort = 8787;
export const defaultBackendUrl = `http://127.0.0.1:${defaultBackendPort}`;
const defaultBackendDb = () => join(defaultDataDir(), 'backend.sqlite');
const defaultWalletKey = () => join(defaultDataDir(), sandboxWalletKeyFileName);

function parseWholeNumber(text: string, what: string, max: number): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) throw new CliUsageError(`${what} must be a whole number from 0 to ${max}, got "${text}"`);
  return Number(text);
}

function parseAmount(text: string, what: string): number {
  try {
    return parseMajorToMinor(text);
  } catch (error) {
    if (error instanceof MoneyError) throw new CliUsageError(`${what}: ${error.message}`);
    throw error;
  }
}

/** A sandbox amount: at most the sandbox wallet's bound (the backend refuses more as well). */
function parseSandboxAmount(text: string, what: string): number {
  const minor = parseAmount(text, what);
  if (minor > maxSandboxBalanceMinor) throw new CliUsageError(`${what}: a sandbox wallet holds at most ${sandboxBalanceLimitText}, got ${text}`);
  return minor;
}

/** TLS files as a usage error naming the file when unusable. */
function readTlsOption<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BackendTlsError) throw new CliUsageError(error.message);
    throw error;
  }
}

/** The sandbox key `terminal wallet` sends: --sandbox-key FILE, else the one in the data directory. */
function sandboxWalletClient(backendUrl: string, options: { sandboxKey?: string; dataDir: string }): SandboxWalletClient {
  return new SandboxWalletClient(backendUrl, readSandboxAccessKey(options.sandboxKey ?? join(options.dataDir, sandboxAccessKeyFileName)));
}

/** Runs FN on the backend database file, closing it afterwards; maps refusals to usage errors. */
function withBackendDb<T>(file: string, fn: (db: ReturnType<typeof openBackendDatabase>) => T): T {
  const db = openBackendDatabase(file);
  try {
    return fn(db);
  } catch (error) {
    if (error instanceof BackendError && error.code === 'bad-request') throw new CliUsageError(error.message);
    throw error;
  } finally {
    db.close();
  }
}

interface ServeOptions {
  port: string;
  host: string;
  db: string;
  sandbox?: boolean;
  sandboxKey?: string;
  sandboxDelayMs: string;
  walletKey: string;
  alipayConfig?: string;
  defaultProvider?: ProviderName;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => resolve(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export function registerBackendCommands(program: Command, { print }: CliContext): void {
  const backend = program
    .command('backend')
    .description('the reference payment backend: serve it, enroll terminals, publish catalog/planogram/settings')
    .addHelpText('after', '\n`terminal backend [--port N] [--db FILE] [--host H]` runs `serve`; see `terminal backend serve --help` for its options.');

  backend
    .command('serve', { isDefault: true })
    .description('run the backend HTTP server (default subcommand); prints "backend: listening on <url>"')
    .option('--port <port>', 'TCP port; 0 picks a free one', String(defaultBackendPort))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--db <file>', 'SQLite file (created when absent)', defaultBackendDb())
    .option('--sandbox', 'enable the sandbox test wallet (provider + loopback-only /sandbox endpoints); off unless given')
    .option('--no-sandbox', 'no sandbox wallet (the default; kept for old scripts)')
    .option('--sandbox-key <file>', 'sandbox key file that `terminal wallet` must present (created 0600 when absent; default sandbox-access.key next to --db)')
    .option('--sandbox-delay-ms <ms>', 'delay every sandbox provider answer (exercise timeouts)', '0')
    .option('--wallet-key <file>', 'sandbox wallet offline-code key file (created when absent)', defaultWalletKey())
    .option('--alipay-config <file>', 'enable the Alipay face-to-face provider (JSON: gatewayUrl, appId, appPrivateKeyFile, alipayPublicKeyFile, …)')
    .addOption(new Option('--default-provider <provider>', 'provider for QR payments when several are enabled').choices([...providerNames]))
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (own certificate first, then the chain); needs --tls-key')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (unencrypted, keep it 0600)')
    .option('--insecure-http', 'allow plain HTTP on a non-loopback --host (terminal secrets then cross the network in clear)')
    .action(async (options: ServeOptions) => {
      const port = parseWholeNumber(options.port, '--port', 65_535);
      const responseDelayMs = parseWholeNumber(options.sandboxDelayMs, '--sandbox-delay-ms', 600_000);
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new CliUsageError('--tls-cert and --tls-key go together: give both for HTTPS');
      const tls: BackendTls | undefined = options.tlsCert !== undefined && options.tlsKey !== undefined ? readTlsOption(() => readBackendTls(options.tlsCert ?? '', options.tlsKey ?? '')) : undefined;
      const sandboxOn = options.sandbox === true;
      const sandboxKeyFile = options.sandboxKey ?? join(dirname(options.db), sandboxAccessKeyFileName);
      const providers: PaymentProvider[] = [];
      if (options.alipayConfig !== undefined) {
        let loaded;
        try {
          loaded = readAlipayConfigFile(options.alipayConfig);
        } catch (error) {
          if (error instanceof AlipayConfigError) throw new CliUsageError(`--alipay-config: ${error.message}`);
          throw error;
        }
        for (const warning of loaded.warnings) print(`warning: ${warning}`);
        providers.push(new AlipayFaceToFaceProvider({ config: loaded.config, clock: systemClock }));
        print(`alipay: on (app id ${loaded.config.appId}, gateway ${loaded.config.gatewayUrl})`);
      }
      let running;
      try {
        running = await startBackend({
          dbFile: options.db,
          host: options.host,
          port,
          clock: systemClock,
          tls: tls && { certificatePem: tls.certificatePem, privateKeyPem: tls.privateKeyPem },
          allowInsecureHttp: options.insecureHttp === true,
          defaultProvider: options.defaultProvider,
          sandbox: sandboxOn ? { walletKeyFile: options.walletKey, accessKeyFile: sandboxKeyFile, responseDelayMs } : undefined,
          providers,
        });
      } catch (error) {
        // The generic EADDRINUSE text speaks of the terminal's local API; say which port here.
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} on ${options.host} is already in use; choose another with --port (0 picks a free one)`);
        if (error instanceof BackendStartError) throw new CliUsageError(error.message);
        throw error;
      }
      print(`backend: listening on ${running.url}`);
      print(`database: ${options.db}`);
      print(`default provider: ${running.defaultProvider}`);
      if (tls) print(`tls: on (certificate sha256 ${tls.certificatePin}, valid to ${tls.validTo}); enroll terminals with \`terminal backend enroll --tls-cert FILE\``);
      else if (!isLoopbackHost(options.host)) print(`warning: plain HTTP on ${options.host} (--insecure-http): terminal secrets and payments cross the network in clear`);
      print(running.walletKey ? `sandbox wallet: on (offline-code key ${running.walletKey.keyId}, ${options.walletKey}; sandbox key ${running.sandboxAccessKeyFile ?? sandboxKeyFile}, loopback clients only)` : 'sandbox wallet: off');
      const signal = await waitForStopSignal();
      print(`backend: stopping (${signal})`);
      await running.close();
    });

  backend
    .command('enroll')
    .description('issue a one-time enrollment code for a terminal (a terminal exchanges it at POST /v1/enroll)')
    .requiredOption('--name <name>', 'the terminal\'s display name')
    .option('--db <file>', 'SQLite file of the backend', defaultBackendDb())
    .option('--ttl-minutes <minutes>', 'how long the code stays valid', '60')
    .option('--tls-cert <file>', 'the certificate the backend (or its TLS proxy) serves: the code then carries its SHA-256 pin')
    .action((options: { name: string; db: string; ttlMinutes: string; tlsCert?: string }) => {
      const ttlMinutes = parseWholeNumber(options.ttlMinutes, '--ttl-minutes', 7 * 24 * 60);
      if (ttlMinutes === 0) throw new CliUsageError('--ttl-minutes must be at least 1');
      const certificatePin = options.tlsCert === undefined ? undefined : readTlsOption(() => readCertificatePin(options.tlsCert ?? ''));
      const issued = withBackendDb(options.db, (db) => new TerminalRegistry(db, systemClock).issueEnrollmentCode(options.name, ttlMinutes * 60_000));
      print(`code: ${formatEnrollmentCode(issued.code, certificatePin)}`);
      print(`terminal: ${issued.name}`);
      print(`expires: ${new Date(issued.expiresAtMs).toISOString()}`);
    });

  backend
    .command('publish')
    .description('publish a new version of a catalog, planogram or settings JSON document for the terminals')
    .addArgument(new Argument('<kind>', 'what to publish').choices([...distributionKinds]))
    .argument('<file>', 'JSON file holding one object')
    .option('--db <file>', 'SQLite file of the backend', defaultBackendDb())
    .action((kind: DistributionKind, file: string, options: { db: string }) => {
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliUsageError(`cannot read ${file} as JSON: ${(error as Error).message}`);
      }
      const published = withBackendDb(options.db, (db) => new DistributionStore(db, systemClock).publish(kind, document));
      print(`published ${kind} version ${published.version}`);
    });
}

export function registerWalletCommands(program: Command, { print }: CliContext): void {
  const wallet = program.command('wallet').description('the sandbox wallet, as a customer uses it: pay a QR, show a payment code');

  wallet
    .command('pay')
    .description('pay a merchant-presented QR shown by a terminal; exits 0 when paid, 1 naming the outcome otherwise')
    .argument('<qr>', 'the QR content (the EMV payload the terminal shows)')
    .option('--backend <url>', 'the backend the terminal uses', defaultBackendUrl)
    .option('--decline', 'refuse in the wallet instead of paying (the payment stays pending)')
    .option('--payer <id>', 'payer id recorded with the payment')
    .option('--sandbox-key <file>', `the backend's sandbox key file (default <data dir>/${sandboxAccessKeyFileName})`)
    .option('--data-dir <dir>', 'the data directory holding the sandbox key', defaultDataDir())
    .action(async (qr: string, options: { backend: string; decline?: boolean; payer?: string; sandboxKey?: string; dataDir: string }) => {
      const result = await sandboxWalletClient(options.backend, options).payQr({ qrContent: qr.trim(), behaviour: options.decline ? 'decline' : 'pay', ...(options.payer ? { payerId: options.payer } : {}) });
      const summary = `${formatMoney(result.amountMinor)} to ${result.merchantName} (payment ${result.paymentId})`;
      if (result.outcome === 'paid') {
        print(`paid ${summary}`);
        return;
      }
      print(`${result.outcome} ${summary}`);
      process.exitCode = 1;
    });

  wallet
    .command('code')
    .description('print a customer-presented payment code (online: registered at the sandbox; --offline: a signed OFL1 code, no network)')
    .option('--offline', 'issue a signed offline code locally with the wallet key')
    .option('--backend <url>', 'the backend (online codes)', defaultBackendUrl)
    .option('--balance <amount>', 'online: wallet balance, e.g. 1000.00', '1000.00')
    .addOption(new Option('--behaviour <behaviour>', 'online: how the sandbox answers the terminal').choices([...sandboxBehaviours]).default('pay'))
    .option('--user-paying-ms <ms>', 'online, behaviour user-paying: time until the customer confirms', '8000')
    .option('--delay-ms <ms>', 'online: delay before the sandbox answers the pay call', '0')
    .option('--limit <amount>', 'offline: most the code may pay, e.g. 200.00', '200.00')
    .option('--expires-minutes <minutes>', 'offline: validity of the code', '60')
    .option('--payer <id>', 'offline: payer id', 'sandbox-payer')
    .option('--wallet-key <file>', 'offline: the wallet key file (shared with the backend)', defaultWalletKey())
    .option('--sandbox-key <file>', `online: the backend's sandbox key file (default <data dir>/${sandboxAccessKeyFileName})`)
    .option('--data-dir <dir>', 'online: the data directory holding the sandbox key', defaultDataDir())
    .action(
      async (options: {
        offline?: boolean;
        backend: string;
        balance: string;
        behaviour: SandboxBehaviour;
        userPayingMs: string;
        delayMs: string;
        limit: string;
        expiresMinutes: string;
        payer: string;
        walletKey: string;
        sandboxKey?: string;
        dataDir: string;
      }) => {
        if (options.offline) {
          const limitMinor = parseSandboxAmount(options.limit, '--limit');
          if (limitMinor === 0) throw new CliUsageError('--limit must be more than 0.00');
          const expiresMinutes = parseWholeNumber(options.expiresMinutes, '--expires-minutes', 7 * 24 * 60);
          if (expiresMinutes === 0) throw new CliUsageError('--expires-minutes must be at least 1');
          const key = loadOrCreateSandboxWalletKey(options.walletKey);
          const nowMs = systemClock.nowMs();
          print(issueOfflineCode({ privateKey: key.privateKeyPem, keyId: key.keyId, payerId: options.payer, amountLimitMinor: limitMinor, issuedAtMs: nowMs, expiresAtMs: nowMs + expiresMinutes * 60_000 }));
          return;
        }
        const balanceMinor = parseSandboxAmount(options.balance, '--balance');
        const issued = await sandboxWalletClient(options.backend, options).issueCode({
          balanceMinor,
          behaviour: options.behaviour,
          userPayingMs: parseWholeNumber(options.userPayingMs, '--user-paying-ms', 600_000),
          delayMs: parseWholeNumber(options.delayMs, '--delay-ms', 60_000),
        });
        print(issued.code);
      },
    );

  wallet
    .command('public-key')
    .description('print the sandbox wallet\'s offline-code key id and public key (PEM) for terminal settings')
    .option('--wallet-key <file>', 'the wallet key file', defaultWalletKey())
    .action((options: { walletKey: string }) => {
      const key = loadOrCreateSandboxWalletKey(options.walletKey);
      print(`key id: ${key.keyId}`);
      print(key.publicKeyPem.trimEnd());
    });
}
