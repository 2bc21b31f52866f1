/**
 * The terminal's event hub, created before any service: services publish contract events on it
 * and report the status inputs they own (a device's state, backend connectivity); the core and
 * the shells subscribe. So the services never hold a reference to the core, and the core is
 * built last, from services that already exist.
 *
 * Contract: `publish` reaches every subscriber; a failing subscriber is logged and never keeps
 * the others (or the publisher) from running. A status input that changed tells the status
 * watchers (the core, which then publishes `status.changed`); an unchanged report tells nobody.
 */
import type { Logger } from 'pino';
import type { Connectivity } from '../../sync/client/backend-health-probe.js';
import type { TerminalConfig } from '../config/config-schema.js';
import type { TerminalEvent } from '../contract/contract.js';

/** What the device layer found out about a device. */
export type DeviceReport = { readonly state: 'simulated' | 'online' | 'offline'; readonly reason: string | null };

/** Connectivity before anything was heard: the embedded sandbox is in-process, a remote backend unknown. */
export function connectivityAtStart(config: TerminalConfig): Connectivity {
  return config.backend.url === 'sandbox' ? 'online' : 'offline';
}

export class TerminalEvents {
  private readonly listeners = new Set<(event: TerminalEvent) => void>();
  private readonly statusWatchers = new Set<() => void>();
  private readonly devices = new Map<string, DeviceReport>();
  private connectivityNow: Connectivity;
  private lastSyncAt: number | null = null;

  constructor(
    private readonly logger: Logger,
    initialConnectivity: Connectivity,
  ) {
    this.connectivityNow = initialConnectivity;
  }

  /** Subscribes to every published event; returns the unsubscribe function. */
  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: TerminalEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.name }, 'event listener failed');
      }
    }
  }

  /** Calls WATCHER whenever a status input changed; returns the unsubscribe function. */
  watchStatus(watcher: () => void): () => void {
    this.statusWatchers.add(watcher);
    return () => this.statusWatchers.delete(watcher);
  }

  /** Something the status shows changed (the journal's queue or open intents, a device, connectivity). */
  statusChanged(): void {
    for (const watcher of [...this.statusWatchers]) {
      try {
        watcher();
      } catch (error) {
        this.logger.error({ err: error }, 'status watcher failed');
      }
    }
  }

  /** Records the state of the device in ROLE (`receiptPrinter`, `scanner`, `kitchenPrinter:<station>`, …). */
  setDeviceState(role: string, state: DeviceReport['state'], reason: string | null = null): void {
    const previous = this.devices.get(role);
    if (previous?.state === state && previous.reason === reason) return;
    this.devices.set(role, { state, reason });
    this.statusChanged();
  }

  /** The last report for ROLE; undefined before the device layer said anything. */
  deviceState(role: string): DeviceReport | undefined {
    return this.devices.get(role);
  }

  /** Records what the sync client or the health probe says about the backend (and when sync last succeeded). */
  setConnectivity(connectivity: Connectivity, lastSyncAtMs?: number): void {
    this.connectivityNow = connectivity;
    if (lastSyncAtMs !== undefined) this.lastSyncAt = lastSyncAtMs;
    this.statusChanged();
  }

  connectivity(): Connectivity {
    return this.connectivityNow;
  }

  lastSyncAtMs(): number | null {
    return this.lastSyncAt;
  }
}
