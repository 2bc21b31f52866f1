import { describe, expect, it } from 'vitest';
import type { TerminalEvent } from '../../../main/contract/contract.js';
import { TerminalEvents } from '../../../main/core/terminal-events.js';
import { createSilentLogger } from '../../../main/logging/logger.js';

const scan: TerminalEvent = { name: 'scan.received', payload: { kind: 'product', value: '6900000000014', detail: 'ean-13', atMs: 1 } };

describe('TerminalEvents (the hub services report to before the core exists)', () => {
  it('reaches every subscriber even when one throws, and stops after unsubscribe', () => {
    const hub = new TerminalEvents(createSilentLogger(), 'offline');
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('broken listener');
    });
    const unsubscribe = hub.subscribe((event) => seen.push(event.name));
    hub.publish(scan);
    unsubscribe();
    hub.publish(scan);
    expect(seen).toEqual(['scan.received']);
  });

  it('tells status watchers when a device report or connectivity changes, not when a report repeats', () => {
    const hub = new TerminalEvents(createSilentLogger(), 'offline');
    let changes = 0;
    hub.watchStatus(() => (changes += 1));
    hub.setDeviceState('receiptPrinter', 'offline', 'paper-out: load paper');
    hub.setDeviceState('receiptPrinter', 'offline', 'paper-out: load paper');
    expect(changes).toBe(1);
    expect(hub.deviceState('receiptPrinter')).toEqual({ state: 'offline', reason: 'paper-out: load paper' });
    hub.setDeviceState('receiptPrinter', 'online');
    hub.setConnectivity('online', 1234);
    expect(changes).toBe(3);
    expect(hub.connectivity()).toBe('online');
    expect(hub.lastSyncAtMs()).toBe(1234);
    expect(hub.deviceState('scanner')).toBeUndefined();
  });
});
