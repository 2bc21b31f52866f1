/**
 * `backend.url: sandbox`: the reference backend with its sandbox wallet runs inside the terminal
 * process, on loopback, with its own SQLite file under `<data-dir>/sandbox/`; the terminal enrolls
 * with it on first start (and again if the sandbox database was removed). So a fresh install
 * takes QR and payment-code sales with no other process, and `terminal wallet pay|code` talk to it.
 *
 * A terminal enrolled with another backend (`terminal enroll --backend URL`) keeps using that one:
 * the sandbox then stays off. `<data-dir>/sandbox/enrolled-terminal.json` records which identity
 * the sandbox issued, to tell the two apart.
 *
 * It listens on `backend.sandboxPort` (default 8787, the wallet command's default) and falls
 * back to any free port when that one is taken; the address is written to
 * `<data-dir>/runtime/sandbox-backend.json` (0600) and printed by `terminal start`.
 *
 * The `/sandbox/*` endpoints answer loopback clients holding the sandbox key, which lives in
 * `<data-dir>/sandbox-access.key` (0600, created on first start): where `terminal wallet` looks
 * by default, so `terminal wallet pay "<qr>"` works with no flags (docs/backend-api.md#sandbox-wallet).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startBackend, type RunningBackend, sandboxAccessKeyFileName, sandboxWalletKeyFileName } from '../../backend/index.js';
import { EnrollmentError, enrollTerminal } from '../../sync/client/enroll-terminal.js';
import { CredentialStoreError, TerminalCredentialStore, type SecretProtector } from '../../sync/client/terminal-credential-store.js';
import type { TerminalConfig } from '../config/config-schema.js';
import { dataDirLayout } from '../config/data-dir.js';
import type { Clock } from '../../kernel/clock.js';

export interface SandboxBackend {
  readonly url: string;
  stop(): Promise<void>;
}

function sandboxMerchant(config: TerminalConfig) {
  // EMV tags 59/60 need printable ASCII; the Chinese names go into template 64.
  const ascii = (text: string | undefined, fallback: string, max: number) => (text && /^[\x20-\x7e]+$/.test(text) ? text.toUpperCase().slice(0, max) : fallback);
  return {
    merchantId: `SANDBOX-${config.terminal.id}`.slice(0, 32),
    name: ascii(config.merchant.name.en, 'SANDBOX MERCHANT', 25),
    city: ascii(config.merchant.city.en, 'SHANGHAI', 15),
    nameZh: config.merchant.name['zh-CN'],
    cityZh: config.merchant.city['zh-CN'],
    mcc: config.merchant.mcc,
  };
}

async function listen(options: Parameters<typeof startBackend>[0]): Promise<RunningBackend> {
  try {
    return await startBackend(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port === 0) throw error;
    return startBackend({ ...options, port: 0 });
  }
}

function loadIdentity(store: TerminalCredentialStore, logger: Logger) {
  try {
    return store.load();
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    logger.warn({ err: error }, 'stored identity unusable; enrolling with the sandbox again');
    return undefined;
  }
}

function readSandboxTerminalId(markerFile: string): string | undefined {
  if (!existsSync(markerFile)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(markerFile, 'utf8')) as { terminalId?: unknown };
    return typeof parsed.terminalId === 'string' ? parsed.terminalId : undefined;
  } catch {
    // A damaged marker only means the sandbox re-enrolls the terminal.
    return undefined;
  }
}

/** Starts the embedded sandbox, or answers undefined when the terminal is enrolled with another backend. */
export async function setupSandboxBackend(options: { config: TerminalConfig; dataDir: string; clock: Clock; logger: Logger; secretProtector?: SecretProtector | undefined }): Promise<SandboxBackend | undefined> {
  const { config, dataDir, clock, logger } = options;
  const folder = join(dataDir, 'sandbox');
  const markerFile = join(folder, 'enrolled-terminal.json');
  const store = new TerminalCredentialStore(dataDir, options.secretProtector);
  const existing = loadIdentity(store, logger);
  if (existing && existing.terminalId !== readSandboxTerminalId(markerFile)) {
    logger.info({ backendUrl: existing.backendUrl }, 'enrolled with an external backend; the embedded sandbox stays off');
    return undefined;
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const backend = await listen({
    dbFile: join(folder, 'backend.sqlite'),
    host: '127.0.0.1',
    port: config.backend.sandboxPort,
    clock,
    sandbox: { walletKeyFile: join(dataDir, sandboxWalletKeyFileName), accessKeyFile: join(dataDir, sandboxAccessKeyFileName), merchant: sandboxMerchant(config) },
    logError: (message, error) => logger.error({ err: error }, `sandbox backend: ${message}`),
  });
  try {
    const identity = existing;
    if (identity && backend.registry.findTerminal(identity.terminalId)) {
      // Same sandbox database, new port: keep the identity, point it at this start's address.
      if (identity.backendUrl !== backend.url) store.save({ ...identity, backendUrl: backend.url });
    } else {
      const issued = backend.registry.issueEnrollmentCode(config.terminal.name);
      const enroll = () => enrollTerminal({ backendUrl: backend.url, code: issued.code, store, nowMs: clock.nowMs(), deviceInfo: 'embedded sandbox' });
      // Our own server is listening, so "unreachable" can only be a pooled keep-alive socket to an
      // earlier server on this port (a restart in the same process) closing as fetch reused it
      // ("other side closed"): the request never arrived, and one more try takes a new connection.
      const enrolled = await enroll().catch((error: unknown) => {
        if (error instanceof EnrollmentError && error.code === 'unreachable') return enroll();
        throw error;
      });
      writeFileSync(markerFile, JSON.stringify({ terminalId: enrolled.terminalId }), { mode: 0o600 });
      logger.info({ terminalId: enrolled.terminalId }, 'enrolled with the embedded sandbox backend');
    }
    const addressFile = join(dataDirLayout(dataDir).runtime, 'sandbox-backend.json');
    writeFileSync(addressFile, JSON.stringify({ url: backend.url, pid: process.pid }), { mode: 0o600 });
    chmodSync(addressFile, 0o600);
    logger.info({ url: backend.url }, 'embedded sandbox backend listening');
    return {
      url: backend.url,
      stop: async () => {
        rmSync(addressFile, { force: true });
        await backend.close();
      },
    };
  } catch (error) {
    await backend.close();
    throw error;
  }
}
