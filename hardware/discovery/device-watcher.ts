/**
 * Hot-plug for bound devices: notices a device going away, marks it offline, looks for it
 * again with capped exponential backoff, and rebinds it when it comes back, possibly under a
 * new path (a replugged USB-serial adapter may return as /dev/ttyUSB1).
 *
 * Contract:
 * - `watch(id, match)` binds a role id (e.g. "receipt-printer") to a device identity: USB
 *   vendor + product id, plus the serial number when the device has one (it tells two identical
 *   boards apart), or a fixed path for devices without USB ids.
 * - While online, the device lists are polled every `pollMs` (default 2000). A device missing
 *   from a listing, or reported by its owner through `markOffline()` (its transport emitted
 *   `disconnect`, which is faster than polling), emits one `offline` event.
 * - While offline, the lists are checked after `initialDelayMs` (default 500), then after
 *   delays doubling up to `maxDelayMs` (default 30000); each wait emits `retry-scheduled`.
 * - When a matching device is listed again, `online` is emitted with its (possibly new) URI and
 *   `rebound: true`; the owner reopens its transport on that URI. Matching prefers the serial
 *   number, then the previous path. A device that is online but listed only under another path
 *   (replugged between two polls, no disconnect seen) is reported the same way.
 * - A failing listing counts as "not found" for offline devices and never marks an online
 *   device offline (a flaky udev must not take a printer down).
 * Time is the injected DeviceTimer; nothing here reads the wall clock.
 */
import type { DeviceTimer } from '../devices/device-timer.js';
import type { DiscoveredDevice, Discovery } from './discover-devices.js';

export type DeviceMatch =
  | { readonly vendorId: number; readonly productId: number; readonly serialNumber?: string | undefined }
  | { readonly path: string };

export type DeviceWatcherEvent =
  | { readonly type: 'online'; readonly id: string; readonly uri: string; readonly rebound: boolean }
  | { readonly type: 'offline'; readonly id: string; readonly uri: string | undefined; readonly reason: string }
  | { readonly type: 'retry-scheduled'; readonly id: string; readonly attempt: number; readonly delayMs: number };

export interface DeviceWatcherOptions {
  readonly list: () => Promise<Discovery>;
  readonly timer: DeviceTimer;
  readonly pollMs?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

interface Watched {
  readonly id: string;
  readonly match: DeviceMatch;
  state: 'unknown' | 'online' | 'offline';
  uri: string | undefined;
  path: string | undefined;
  attempt: number;
  cancelRetry: (() => void) | undefined;
}

export function matchesDevice(match: DeviceMatch, device: DiscoveredDevice): boolean {
  if ('path' in match) return device.path === match.path;
  return (
    device.vendorId === match.vendorId &&
    device.productId === match.productId &&
    (match.serialNumber === undefined || device.serialNumber === match.serialNumber)
  );
}

export class DeviceWatcher {
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<(event: DeviceWatcherEvent) => void>();
  private readonly pollMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private cancelPoll: (() => void) | undefined;
  private running = false;

  constructor(private readonly options: DeviceWatcherOptions) {
    this.pollMs = options.pollMs ?? 2000;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  on(listener: (event: DeviceWatcherEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  watch(id: string, match: DeviceMatch): void {
    this.watched.set(id, { id, match, state: 'unknown', uri: undefined, path: 'path' in match ? match.path : undefined, attempt: 0, cancelRetry: undefined });
  }

  /** Current state and URI of a watched device. */
  status(id: string): { state: 'unknown' | 'online' | 'offline'; uri: string | undefined } | undefined {
    const entry = this.watched.get(id);
    return entry && { state: entry.state, uri: entry.uri };
  }

  /** Starts polling; the first listing runs at once and reports every watched device. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.poll();
  }

  stop(): void {
    this.running = false;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    for (const entry of this.watched.values()) {
      entry.cancelRetry?.();
      entry.cancelRetry = undefined;
    }
  }

  /** The owner saw its transport disconnect: offline now, retries begin. */
  markOffline(id: string, reason: string): void {
    const entry = this.watched.get(id);
    if (!entry || entry.state === 'offline') return;
    this.goOffline(entry, reason);
  }

  private emit(event: DeviceWatcherEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private async list(): Promise<readonly DiscoveredDevice[] | undefined> {
    try {
      return (await this.options.list()).devices;
    } catch {
      // Documented: a failed listing is "no news" (see the module contract); the next poll retries.
      return undefined;
    }
  }

  private find(entry: Watched, devices: readonly DiscoveredDevice[]): DiscoveredDevice | undefined {
    const candidates = devices.filter((device) => matchesDevice(entry.match, device));
    return candidates.find((device) => device.path === entry.path) ?? candidates[0];
  }

  private async poll(): Promise<void> {
    this.cancelPoll = undefined;
    const devices = await this.list();
    if (!this.running) return;
    for (const entry of this.watched.values()) {
      if (entry.state === 'offline') continue; // its own retry schedule looks for it
      const found = devices && this.find(entry, devices);
      if (found) {
        if (entry.state === 'unknown') this.goOnline(entry, found, false);
        // Unplugged and replugged between two polls with no disconnect seen: it moved.
        else if (found.path !== entry.path) this.goOnline(entry, found, true);
      } else if (devices) {
        this.goOffline(entry, entry.state === 'unknown' ? 'not attached' : 'no longer attached (unplugged?)');
      }
    }
    this.cancelPoll = this.options.timer.schedule(this.pollMs, () => void this.poll());
  }

  private goOnline(entry: Watched, device: DiscoveredDevice, rebound: boolean): void {
    entry.state = 'online';
    entry.uri = device.uri;
    entry.path = device.path;
    entry.attempt = 0;
    entry.cancelRetry?.();
    entry.cancelRetry = undefined;
    this.emit({ type: 'online', id: entry.id, uri: device.uri, rebound });
  }

  private goOffline(entry: Watched, reason: string): void {
    entry.state = 'offline';
    entry.attempt = 0;
    this.emit({ type: 'offline', id: entry.id, uri: entry.uri, reason });
    this.scheduleRetry(entry);
  }

  private scheduleRetry(entry: Watched): void {
    if (!this.running) return;
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** entry.attempt);
    entry.attempt += 1;
    this.emit({ type: 'retry-scheduled', id: entry.id, attempt: entry.attempt, delayMs });
    entry.cancelRetry = this.options.timer.schedule(delayMs, () => void this.retry(entry));
  }

  private async retry(entry: Watched): Promise<void> {
    entry.cancelRetry = undefined;
    const devices = await this.list();
    if (!this.running || entry.state !== 'offline' || this.watched.get(entry.id) !== entry) return;
    const found = devices && this.find(entry, devices);
    if (found) this.goOnline(entry, found, true);
    else this.scheduleRetry(entry);
  }
}
