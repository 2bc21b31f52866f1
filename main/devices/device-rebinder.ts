/**
 * Follows configured USB devices that come back under another path: a USB-serial adapter
 * replugged as /dev/ttyUSB1 instead of /dev/ttyUSB0, a USB printer as /dev/usb/lp1. Built on the
 * DeviceWatcher (hardware/discovery/device-watcher.ts); see docs/scanners-transports-discovery.md,
 * "Rebinding".
 *
 * Contract:
 * - `add(device)` registers a role with a `serial:` or `file:` URI from the configuration. The
 *   configured URI is the source of truth for the first binding: nothing is watched before
 *   `identify(role)`.
 * - `identify(role)`, called when the device first works (its owner's first `online`), lists the
 *   attached devices once and takes the identity of the one at the configured path: USB vendor id,
 *   product id and serial number (when it has one). From then on the watcher follows that identity.
 *   The device stays bound to its configured path only, with one log line saying why, when it has
 *   no USB ids (on-board UART, no udev), is not listed at that path (e.g. a /dev/serial/by-id link,
 *   which follows the device by itself), or shares its identity with another attached device (two
 *   adapters without serial numbers cannot be told apart). Only the first call does anything.
 * - When the watcher reports the device back at another path of the same kind, the transport is
 *   retargeted to the configured URI with only the path replaced (baud rate and other options
 *   kept), the move is logged (`device rebound to a new path`, with `from` and `to`) and
 *   `reconnectNow` runs. Back at its current path: `reconnectNow` only. A path that another role
 *   is bound to is refused and logged.
 * - `deviceLost(role, reason)` hands a transport disconnect to the watcher (faster than its poll).
 * - Never throws into its callers; a listing that fails leaves the device unwatched, logged.
 */
import type { Logger } from 'pino';
import { matchesDevice, type DeviceMatch, type DeviceWatcher, type DeviceWatcherEvent } from '../../hardware/discovery/device-watcher.js';
import type { DiscoveredDevice, Discovery } from '../../hardware/discovery/discover-devices.js';
import { parseDeviceUri, type DeviceUri } from '../../hardware/transports/device-uri.js';
import type { Transport } from '../../hardware/transports/transport.js';
import type { RebindableTransport } from './rebindable-transport.js';

/** Device URIs that name a path which can change when the device is replugged. */
export type PathDeviceUri = Extract<DeviceUri, { scheme: 'serial' | 'file' }>;

export interface RebindableDevice {
  /** Status role, e.g. `receiptPrinter`, `kitchenPrinter:hot`, `scanner`. */
  readonly role: string;
  readonly configuredUri: PathDeviceUri;
  readonly transport: RebindableTransport;
  /** Builds the transport for a URI (the composition root picks the concrete class). */
  readonly createTransport: (uri: PathDeviceUri) => Transport;
  /** Open the device now rather than at the owner's next backoff step. Must not throw. */
  readonly reconnectNow: () => void;
}

export interface DeviceRebinderOptions {
  readonly watcher: DeviceWatcher;
  /** The listing used once per device to learn its identity (the watcher's own listing, usually). */
  readonly list: () => Promise<Discovery>;
  readonly logger: Logger;
}

/** The discovery kind that lists devices of each URI scheme. */
const kindOfScheme: Record<PathDeviceUri['scheme'], DiscoveredDevice['kind']> = { serial: 'serial', file: 'usb-printer' };

export function isPathDeviceUri(uri: DeviceUri): uri is PathDeviceUri {
  return uri.scheme === 'serial' || uri.scheme === 'file';
}

interface Entry {
  readonly device: RebindableDevice;
  /** The path the transport points at now. */
  path: string;
  identified: boolean;
  watched: boolean;
}

const hex4 = (value: number) => `0x${value.toString(16).padStart(4, '0')}`;

export class DeviceRebinder {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private watcherStarted = false;
  private stopped = false;

  constructor(private readonly options: DeviceRebinderOptions) {
    this.unsubscribe = options.watcher.on((event) => this.onWatcherEvent(event));
  }

  add(device: RebindableDevice): void {
    this.entries.set(device.role, { device, path: device.configuredUri.path, identified: false, watched: false });
  }

  /** The path ROLE's transport points at now (the configured one until a rebinding). */
  currentPath(role: string): string | undefined {
    return this.entries.get(role)?.path;
  }

  /** Learns ROLE's USB identity from a listing and starts following it; only the first call acts. Never rejects. */
  async identify(role: string): Promise<void> {
    const entry = this.entries.get(role);
    if (!entry || entry.identified || this.stopped) return;
    entry.identified = true;
    const { logger } = this.options;
    let devices: readonly DiscoveredDevice[];
    try {
      devices = (await this.options.list()).devices;
    } catch (error) {
      logger.warn({ role, err: error }, 'attached devices could not be listed; the device stays bound to its configured path only');
      return;
    }
    if (this.stopped) return;
    const kind = kindOfScheme[entry.device.configuredUri.scheme];
    const sameKind = devices.filter((device) => device.kind === kind);
    const found = sameKind.find((device) => device.path === entry.path);
    if (!found) {
      logger.info({ role, path: entry.path }, 'device not listed at its configured path (a stable link such as /dev/serial/by-id follows it by itself); it stays bound to that path only');
      return;
    }
    if (found.vendorId === undefined || found.productId === undefined) {
      logger.info({ role, path: entry.path }, 'device has no USB ids (on-board port, or no udev); it stays bound to its configured path only');
      return;
    }
    const match: DeviceMatch = { vendorId: found.vendorId, productId: found.productId, serialNumber: found.serialNumber };
    const twins = sameKind.filter((device) => matchesDevice(match, device));
    const identity = { vendorId: hex4(found.vendorId), productId: hex4(found.productId), serialNumber: found.serialNumber ?? null };
    if (twins.length > 1) {
      logger.warn(
        { role, path: entry.path, ...identity, alsoAt: twins.filter((device) => device !== found).map((device) => device.path) },
        'another attached device has the same USB identity, so a replug could not tell them apart; this device stays bound to its configured path only (bind it by /dev/serial/by-path instead)',
      );
      return;
    }
    this.options.watcher.watch(role, match);
    entry.watched = true;
    logger.info({ role, path: entry.path, ...identity }, 'device identified; it is followed by its USB identity if it comes back under another path');
    if (!this.watcherStarted) {
      this.watcherStarted = true;
      await this.options.watcher.start();
    }
  }

  /** ROLE's transport disconnected: the watcher looks for it at once. */
  deviceLost(role: string, reason: string): void {
    const entry = this.entries.get(role);
    if (entry?.watched && !this.stopped) this.options.watcher.markOffline(role, reason);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.options.watcher.stop();
  }

  private onWatcherEvent(event: DeviceWatcherEvent): void {
    const entry = this.entries.get(event.id);
    if (!entry || this.stopped) return;
    const { logger } = this.options;
    const { role } = entry.device;
    if (event.type === 'offline') {
      logger.warn({ role, uri: event.uri ?? null, reason: event.reason }, 'device not attached; looking for it by its USB identity');
      return;
    }
    if (event.type !== 'online' || !event.rebound) return;
    let found: DeviceUri;
    try {
      found = parseDeviceUri(event.uri);
    } catch (error) {
      logger.error({ role, uri: event.uri, err: error }, 'device came back under an address that cannot be used; not rebound');
      return;
    }
    const configured = entry.device.configuredUri;
    if (found.scheme !== configured.scheme) {
      logger.warn({ role, uri: event.uri }, `device came back as a ${found.scheme}: device, not ${configured.scheme}:; not rebound`);
      return;
    }
    if (found.path === entry.path) {
      logger.info({ role, path: found.path }, 'device back at its path; reopening');
      entry.device.reconnectNow();
      return;
    }
    const holder = [...this.entries.values()].find((other) => other !== entry && other.path === found.path);
    if (holder) {
      logger.error({ role, path: found.path, boundTo: holder.device.role }, 'device came back at a path another device is bound to; not rebound');
      return;
    }
    const from = entry.path;
    const uri: PathDeviceUri = { ...configured, path: found.path };
    let next: Transport;
    try {
      next = entry.device.createTransport(uri);
    } catch (error) {
      logger.error({ role, from, to: found.path, err: error }, 'device came back under another path but cannot be set up there; not rebound');
      return;
    }
    entry.path = found.path;
    logger.warn({ role, from, to: found.path }, 'device rebound to a new path');
    void entry.device.transport
      .retarget(next)
      .catch((error: unknown) => logger.warn({ role, from, err: error }, 'old transport did not close cleanly'))
      .then(() => {
        if (!this.stopped) entry.device.reconnectNow();
      });
  }
}
