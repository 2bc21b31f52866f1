/**
 * The technician console's commands (`technician.*`), spread into the core's handler map.
 *
 * Contract:
 * - Every command needs a live technician session (permissions in main/domain/roles.ts).
 * - Every action is journaled as an `audit.recorded` outbox entry `{ event: 'technician.<action>',
 *   userId, …, atMs }`, uploaded like any other entry. Changes to what the journal holds (a dead
 *   letter retried or discarded, slot stock refilled) are journaled in the same transaction as the
 *   change, before anything acts on it; other actions (test print, binding, export, sync now) are
 *   journaled once they ran, with their outcome.
 * - Service errors become typed contract errors; nothing here throws anything else on bad input.
 */
import type { Logger } from 'pino';
import type { Discovery } from '../../hardware/discovery/discover-devices.js';
import type { Journal } from '../../sync/store/journal.js';
import type { OperatorSessions } from '../auth/operator-sessions.js';
import { bindDeviceInConfigFile, DeviceBindingError } from '../config/bind-device.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { CommandInput, CommandName, CommandOutput, DiscoveredDeviceView, TechnicianSyncHealth } from '../contract/contract.js';
import { exportDiagnostics } from '../diagnostics/diagnostics-export.js';
import type { Permission } from '../domain/roles.js';
import type { Clock } from '../../kernel/clock.js';
import type { VendService } from '../vending/vend-service.js';
import { CommandError, translatingErrors } from './command-error.js';
import { kioskErrorToCommandError } from './kiosk-handlers.js';
import type { SyncControl } from './payment-handlers.js';
import type { TerminalEvents } from './terminal-events.js';

export type TechnicianCommandName = Extract<CommandName, `technician.${string}`>;
export type TechnicianCommandHandlers = { [K in TechnicianCommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

/** The outcome of a test print: undefined when ROLE has no printer on this terminal. */
export type TestPrinter = (role: string) => Promise<{ state: 'printed' | 'queued'; reason: string | null } | undefined>;

/** What the composition root hands the console besides the core's own parts. */
export interface TechnicianServices {
  /** The configuration file bindings are written to (the start's file, or `<data-dir>/config.yaml`). */
  readonly configFile: string;
  readonly logsDirectory: string;
  /** Undefined when the terminal has no printers set up. */
  readonly testPrint: TestPrinter | undefined;
  readonly discover: () => Promise<Discovery>;
}

export interface TechnicianHandlerDeps {
  readonly sessions: OperatorSessions;
  readonly journal: Journal;
  readonly config: TerminalConfig;
  readonly clock: Clock;
  readonly events: TerminalEvents;
  readonly logger: Logger;
  readonly version: string;
  readonly sync?: SyncControl | undefined;
  readonly vending?: VendService | undefined;
  /** Absent (tests, embedders): device and export commands answer `unavailable`. */
  readonly services: TechnicianServices | undefined;
}

/** The configured device URIs by role (`kitchenPrinter:<station>` for kitchen printers). */
export function configuredDevices(devices: TerminalConfig['devices']): Map<string, string> {
  const entries: [string, string | undefined][] = [
    ['receiptPrinter', devices.receiptPrinter],
    ['scanner', devices.scanner],
    ['vendingBoard', devices.vendingBoard],
    ...Object.entries(devices.kitchenPrinters).map(([station, uri]): [string, string] => [`kitchenPrinter:${station}`, uri]),
  ];
  return new Map(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A URI without its options, except for `hid:` whose `?serial=` tells devices apart. */
const deviceIdentity = (uri: string): string => (uri.startsWith('hid:') ? uri : (uri.split('?')[0] ?? uri));

const simulatedDevices: readonly { uri: string; product: string; suggestedRole: string }[] = [
  { uri: 'sim:printer', product: 'simulated ESC/POS receipt printer', suggestedRole: 'receipt-printer' },
  { uri: 'sim:scanner', product: 'simulated barcode scanner', suggestedRole: 'scanner' },
  { uri: 'sim:board', product: 'simulated dispense board', suggestedRole: 'vending-board' },
];

export function createTechnicianHandlers(deps: TechnicianHandlerDeps): TechnicianCommandHandlers {
  const { sessions, journal, logger } = deps;
  const guarded = translatingErrors(kioskErrorToCommandError);
  const technician = (sessionId: string, permission: Permission) => sessions.require(sessionId, permission).user.id;
  const services = (): TechnicianServices => {
    if (!deps.services) throw new CommandError('unavailable', 'the technician tools are not set up in this shell');
    return deps.services;
  };
  const vending = (): VendService => {
    if (!deps.vending) throw new CommandError('unavailable', 'vending is not set up on this terminal (kiosk mode with a vending board; see the log)');
    return deps.vending;
  };

  const syncHealth = (): TechnicianSyncHealth => {
    const stats = journal.outboxStats();
    return {
      connectivity: deps.events.connectivity(),
      queueDepth: stats.depth,
      oldestUnsyncedAtMs: stats.oldestCreatedAtMs,
      lastSuccessAtMs: deps.events.lastSyncAtMs(),
      deadLetters: journal.deadLetters(200).map(({ entryId, kind, reason, rejectedAtMs }) => ({ entryId, kind, reason, rejectedAtMs })),
    };
  };
  /** Uploads what was just journaled (best effort: a failure stays queued and shows in the health). */
  const syncSoon = async (): Promise<void> => {
    if (!deps.sync) return;
    try {
      await deps.sync.syncNow();
    } catch (error) {
      logger.warn({ err: error }, 'sync after a technician action failed; the entries stay queued');
    }
  };
  const changed = () => deps.events.statusChanged();

  return {
    'technician.syncHealth': async ({ sessionId }) => {
      technician(sessionId, 'sync.manage');
      return syncHealth();
    },
    'technician.syncNow': async ({ sessionId }) => {
      const userId = technician(sessionId, 'sync.manage');
      if (!deps.sync) throw new CommandError('unavailable', 'this terminal has no backend to sync with (enroll it with `terminal enroll`)');
      journal.recordAudit(userId, { event: 'technician.sync-now' });
      const after = await deps.sync.syncNow();
      changed();
      return { ...syncHealth(), connectivity: after.connectivity, lastSuccessAtMs: after.lastSuccessAtMs ?? deps.events.lastSyncAtMs() };
    },
    'technician.retryDeadLetter': async ({ sessionId, entryId }) => {
      const userId = technician(sessionId, 'sync.manage');
      const found = journal.deadLetters(10_000).find((entry) => entry.entryId === entryId);
      if (!found || !journal.retryDeadLetter(entryId, userId, { event: 'technician.retry-dead-letter', entryId, kind: found.kind, rejectedReason: found.reason })) {
        throw new CommandError('not-found', `no dead letter "${entryId}"`);
      }
      logger.info({ userId, entryId, kind: found.kind }, 'dead letter put back into the sync queue');
      await syncSoon();
      changed();
      return syncHealth();
    },
    'technician.discardDeadLetter': async ({ sessionId, entryId, reason }) => {
      const userId = technician(sessionId, 'sync.manage');
      const found = journal.deadLetters(10_000).find((entry) => entry.entryId === entryId);
      if (!found || !journal.discardDeadLetter(entryId, userId, { event: 'technician.discard-dead-letter', entryId, kind: found.kind, rejectedReason: found.reason, reason })) {
        throw new CommandError('not-found', `no dead letter "${entryId}"`);
      }
      logger.info({ userId, entryId, kind: found.kind, reason }, 'dead letter discarded');
      await syncSoon();
      changed();
      return syncHealth();
    },
    'technician.testPrint': async ({ sessionId, role }) => {
      const userId = technician(sessionId, 'device.test');
      const testPrint = services().testPrint;
      const outcome = testPrint ? await testPrint(role) : undefined;
      if (!outcome) throw new CommandError('not-found', `there is no printer "${role}" on this terminal`);
      journal.recordAudit(userId, { event: 'technician.test-print', role, state: outcome.state, reason: outcome.reason });
      return { role, ...outcome };
    },
    'technician.discoverDevices': async ({ sessionId }) => {
      technician(sessionId, 'device.configure');
      const bound = [...configuredDevices(deps.config.devices)];
      const boundAs = (uri: string) => bound.find(([, configured]) => deviceIdentity(configured) === deviceIdentity(uri))?.[0] ?? null;
      const found = await services().discover();
      const devices: DiscoveredDeviceView[] = [
        ...found.devices.map((device) => ({
          kind: device.kind,
          uri: device.uri,
          path: device.path,
          vendorId: device.vendorId ?? null,
          productId: device.productId ?? null,
          serialNumber: device.serialNumber ?? null,
          product: device.knownAs ?? device.product ?? null,
          suggestedRole: device.suggestedRole ?? null,
          boundAs: boundAs(device.uri),
        })),
        ...simulatedDevices.map((device) => ({ kind: 'simulated' as const, uri: device.uri, path: '', vendorId: null, productId: null, serialNumber: null, product: device.product, suggestedRole: device.suggestedRole, boundAs: boundAs(device.uri) })),
      ];
      return { devices, warnings: [...found.warnings] };
    },
    'technician.bindDevice': async ({ sessionId, role, uri }) => {
      const userId = technician(sessionId, 'device.configure');
      const { configFile } = services();
      try {
        const binding = bindDeviceInConfigFile({ configFile, effectiveDevices: deps.config.devices, role, uri, atMs: deps.clock.nowMs() });
        journal.recordAudit(userId, { event: 'technician.bind-device', role, uri, configFile, backupFile: binding.backupFile });
        logger.info({ userId, role, uri, configFile, backupFile: binding.backupFile }, 'device bound in the configuration file; applies at the next start');
        return { role, uri, configFile, backupFile: binding.backupFile, appliesAt: 'next-start' as const };
      } catch (error) {
        if (!(error instanceof DeviceBindingError)) throw error;
        if (error.code === 'invalid-config' || error.code === 'unknown-role') {
          const fields = error.problems.map((problem) => ({ path: problem.path, message: problem.message }));
          throw new CommandError('invalid-argument', error.message, false, { fields, reason: 'invalid-binding', params: { key: fields[0]?.path ?? role } });
        }
        throw new CommandError('unavailable', error.message);
      }
    },
    'technician.slots': async ({ sessionId }) => {
      technician(sessionId, 'stock.refill');
      return { slots: vending().technicianSlots() };
    },
    'technician.refillSlots': ({ sessionId, refills }) =>
      guarded(() => {
        const userId = technician(sessionId, 'stock.refill');
        const service = vending();
        service.refill(refills, userId);
        void syncSoon();
        return { slots: service.technicianSlots() };
      }),
    'technician.returnSlotToSale': ({ sessionId, slot }) =>
      guarded(() => {
        const userId = technician(sessionId, 'stock.refill');
        const service = vending();
        service.returnSlotToSale(slot, userId);
        return { slots: service.technicianSlots() };
      }),
    'technician.exportLogs': async ({ sessionId }) => {
      const userId = technician(sessionId, 'logs.export');
      const exported = exportDiagnostics({ config: deps.config, journal, logsDirectory: services().logsDirectory, terminalVersion: deps.version, exportedBy: userId, atMs: deps.clock.nowMs() });
      journal.recordAudit(userId, { event: 'technician.export-logs', fileName: exported.fileName, sizeBytes: exported.archive.length });
      logger.info({ userId, fileName: exported.fileName, sizeBytes: exported.archive.length }, 'diagnostics exported');
      return { fileName: exported.fileName, contentBase64: exported.archive.toString('base64'), sizeBytes: exported.archive.length, entries: [...exported.entries] };
    },
  };
}
