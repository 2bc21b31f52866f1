/**
 * The composition root: the only place that picks concrete classes. Reads like the table of
 * contents of a running terminal: the event hub first, then the services (payments and sync,
 * devices, vending) on it, and last the core, built from those services. Each shell (Electron,
 * browser, headless) calls `startTerminalCore` and then attaches its own UI transport.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { BackendHealthProbe } from '../../sync/client/backend-health-probe.js';
import { Journal } from '../../sync/store/journal.js';
import { writePrivateFileDurably } from '../../sync/store/private-file.js';
import { OperatorSessions } from '../auth/operator-sessions.js';
import type { TerminalConfig } from '../config/config-schema.js';
import { dataDirLayout } from '../config/data-dir.js';
import { defaultConfig, loadConfigFile } from '../config/load-config.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TerminalCore } from '../core/terminal-core.js';
import { connectivityAtStart, TerminalEvents } from '../core/terminal-events.js';
import type { TerminalMode } from '../domain/roles.js';
import { createFileLogger } from '../logging/logger.js';
import { secureDataDirectory } from '../security/data-dir-permissions.js';
import { acquireInstanceLock } from './instance-lock.js';
import { packageVersion } from './project-files.js';
import { setupDevices } from './setup-devices.js';
import { discoverDevices } from '../../hardware/discovery/discover-devices.js';
import { setupPayments } from './setup-payments.js';
import { setupVending } from './setup-vending.js';
import { setupSandboxBackend } from './setup-sandbox-backend.js';
import { systemTimers } from '../../kernel/system-timers.js';
import type { Timers } from '../../kernel/timers.js';
import type { VendService } from '../vending/vend-service.js';
import type { SecretProtector } from '../../sync/client/terminal-credential-store.js';

export interface StartOptions {
  readonly dataDir: string;
  /** Explicit config file; otherwise `<dataDir>/config.yaml` when present, else embedded defaults. */
  readonly configFile?: string | undefined;
  readonly mode?: TerminalMode | undefined;
  readonly clock?: Clock | undefined;
  readonly timers?: Timers | undefined;
  /** Seals the terminal's backend secret (the Electron shell passes the OS keystore); default: the 0600 key file. */
  readonly secretProtector?: SecretProtector | undefined;
}

export interface RunningTerminal {
  readonly core: TerminalCore;
  readonly config: TerminalConfig;
  readonly mode: TerminalMode;
  readonly logger: Logger;
  readonly journal: Journal;
  readonly layout: ReturnType<typeof dataDirLayout>;
  /** Address of the embedded sandbox backend (`backend.url: sandbox`), else undefined. */
  readonly sandboxUrl: string | undefined;
  /** Records where the local API listens so CLI commands can find it (owner-only file). */
  publishApiEndpoint(endpoint: { url: string; token: string }): void;
  stop(): Promise<void>;
}

/** Reads the configuration for a start; nothing is written anywhere before it validates. */
export function resolveConfiguration(options: Pick<StartOptions, 'dataDir' | 'configFile'>): { config: TerminalConfig; source: string } {
  if (options.configFile) return { config: loadConfigFile(options.configFile), source: options.configFile };
  const fallback = dataDirLayout(options.dataDir).defaultConfigFile;
  if (existsSync(fallback)) return { config: loadConfigFile(fallback), source: fallback };
  return { config: defaultConfig(), source: 'embedded defaults' };
}

export async function startTerminalCore(options: StartOptions): Promise<RunningTerminal> {
  const { config, source } = resolveConfiguration(options);
  const mode = options.mode ?? config.terminal.mode;
  const clock = options.clock ?? systemClock;
  const layout = dataDirLayout(options.dataDir);

  const modeFixes = secureDataDirectory(options.dataDir);
  const lock = acquireInstanceLock(layout.instanceLock, options.dataDir);
  const cleanups: (() => void | Promise<void>)[] = [() => lock.release()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const { logger, close: closeLogger } = createFileLogger({ directory: layout.logs, level: config.logging.level });
    cleanups.push(closeLogger);
    logger.info({ version: packageVersion, mode, configSource: source, dataDir: options.dataDir }, 'terminal starting');
    if (modeFixes.length > 0) logger.warn({ fixes: modeFixes }, 'tightened permissions in the data directory (others could read these)');

    const journal = Journal.open(layout.journal, { nowMs: () => clock.nowMs() });
    cleanups.push(() => journal.close());

    const sessions = new OperatorSessions(config.users, journal, clock, {
      maxAttempts: config.security.pinMaxAttempts,
      lockoutMs: config.security.pinLockoutSeconds * 1000,
    });
    const events = new TerminalEvents(logger, connectivityAtStart(config));
    const timers = options.timers ?? systemTimers;

    let sandboxUrl: string | undefined;
    if (config.backend.url === 'sandbox') {
      const sandbox = await setupSandboxBackend({ config, dataDir: options.dataDir, clock, logger, secretProtector: options.secretProtector });
      if (sandbox) {
        cleanups.push(() => sandbox.stop());
        sandboxUrl = sandbox.url;
      }
    }

    const paymentsSetup = setupPayments({ config, dataDir: options.dataDir, journal, sessions, events, clock, timers, logger, secretProtector: options.secretProtector });
    cleanups.push(() => paymentsSetup.stop());

    const devicesSetup = setupDevices({ config, dataDir: options.dataDir, journal, journalFile: layout.journal, events, logger });
    cleanups.push(() => devicesSetup.stop());

    let vending: VendService | undefined;
    if (mode === 'kiosk') {
      const vendingSetup = await setupVending({ config, journal, events, payments: paymentsSetup.payments, clock, timers, logger });
      cleanups.push(() => vendingSetup.stop());
      vending = vendingSetup.vending;
    }

    if (config.backend.url !== 'sandbox' && !paymentsSetup.sync) {
      const probe = new BackendHealthProbe({ baseUrl: config.backend.url, onChange: (connectivity) => events.setConnectivity(connectivity) });
      probe.start();
      cleanups.push(() => probe.stop());
    }

    const core = new TerminalCore({
      config,
      mode,
      journal,
      sessions,
      clock,
      logger,
      dataDir: options.dataDir,
      version: packageVersion,
      events,
      payments: paymentsSetup.payments,
      sync: paymentsSetup.syncControl,
      offlineTotals: paymentsSetup.offlineTotals,
      vending,
      printing: devicesSetup.reprinter,
      technician: {
        // Bindings go to the file this start read, or to the data directory's own config.yaml.
        configFile: source === 'embedded defaults' ? layout.defaultConfigFile : source,
        logsDirectory: layout.logs,
        testPrint: devicesSetup.testPrint,
        discover: () => discoverDevices(),
      },
    });
    const lateModeFixes = secureDataDirectory(options.dataDir);
    if (lateModeFixes.length > 0) logger.info({ fixes: lateModeFixes }, 'tightened permissions of files created during start');

    const openIntents = journal.openIntents();
    if (openIntents.length > 0) logger.warn({ count: openIntents.length }, 'intents left open by the previous run');

    return {
      core,
      config,
      mode,
      logger,
      journal,
      layout,
      sandboxUrl,
      publishApiEndpoint: (endpoint) => {
        writePrivateFileDurably(layout.apiEndpoint, JSON.stringify({ ...endpoint, pid: process.pid }));
        cleanups.push(() => rmSync(layout.apiEndpoint, { force: true }));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
