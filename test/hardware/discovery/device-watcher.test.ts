import { describe, expect, it } from 'vitest';
import type { DeviceTimer } from '../../../hardware/devices/device-timer.js';
import type { DiscoveredDevice, Discovery } from '../../../hardware/discovery/discover-devices.js';
import { DeviceWatcher, type DeviceWatcherEvent } from '../../../hardware/discovery/device-watcher.js';

/** A fake DeviceTimer: time moves only when the test advances it. */
function fakeTimer() {
  let now = 0;
  const pending: { at: number; run: () => void; cancelled: boolean }[] = [];
  const timer: DeviceTimer = {
    nowMs: () => now,
    schedule(delayMs, callback) {
      const entry = { at: now + delayMs, run: callback, cancelled: false };
      pending.push(entry);
      return () => {
        entry.cancelled = true;
      };
    },
  };
  const flush = async () => {
    for (let index = 0; index < 5; index += 1) await Promise.resolve();
  };
  return {
    timer,
    now: () => now,
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        pending.sort((left, right) => left.at - right.at);
        const next = pending.find((entry) => !entry.cancelled && entry.at <= until);
        if (!next) break;
        pending.splice(pending.indexOf(next), 1);
        now = next.at;
        next.run();
        await flush();
      }
      now = until;
      await flush();
    },
  };
}

const board = (path: string, serialNumber = 'A1B2'): DiscoveredDevice => ({ kind: 'serial', uri: `serial:${path}`, path, vendorId: 0x1a86, productId: 0x7523, serialNumber });
const twin = (path: string): DiscoveredDevice => ({ ...board(path, 'ZZZZ') });

function setup(initial: DiscoveredDevice[]) {
  const time = fakeTimer();
  let attached = initial;
  let failNext = false;
  const listed: number[] = [];
  const list = async (): Promise<Discovery> => {
    listed.push(time.now());
    if (failNext) {
      failNext = false;
      throw new Error('udev hiccup');
    }
    return { devices: attached, warnings: [] };
  };
  const watcher = new DeviceWatcher({ list, timer: time.timer, pollMs: 2000, initialDelayMs: 500, maxDelayMs: 4000 });
  const events: DeviceWatcherEvent[] = [];
  watcher.on((event) => events.push(event));
  return {
    time,
    watcher,
    events,
    listed,
    attach: (devices: DiscoveredDevice[]) => (attached = devices),
    failNextListing: () => (failNext = true),
  };
}

describe('DeviceWatcher on a fake clock', () => {
  it('unplug → offline, capped exponential backoff, replug under a new path → rebind by serial number', async () => {
    const { time, watcher, events, attach, listed } = setup([twin('/dev/ttyUSB0'), board('/dev/ttyUSB1')]);
    watcher.watch('vending-board', { vendorId: 0x1a86, productId: 0x7523, serialNumber: 'A1B2' });
    await watcher.start();
    expect(events).toEqual([{ type: 'online', id: 'vending-board', uri: 'serial:/dev/ttyUSB1', rebound: false }]);

    attach([twin('/dev/ttyUSB0')]); // cable pulled
    await time.advance(2000);
    expect(events.slice(1)).toEqual([
      { type: 'offline', id: 'vending-board', uri: 'serial:/dev/ttyUSB1', reason: expect.stringMatching(/no longer attached/) },
      { type: 'retry-scheduled', id: 'vending-board', attempt: 1, delayMs: 500 },
    ]);
    expect(watcher.status('vending-board')).toEqual({ state: 'offline', uri: 'serial:/dev/ttyUSB1' });

    await time.advance(500 + 1000 + 2000 + 4000 + 4000);
    const delays = events.filter((event) => event.type === 'retry-scheduled').map((event) => event.type === 'retry-scheduled' && event.delayMs);
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);

    attach([twin('/dev/ttyUSB0'), board('/dev/ttyUSB2')]); // replugged, new path; the twin must not be taken
    await time.advance(4000);
    expect(events.at(-1)).toEqual({ type: 'online', id: 'vending-board', uri: 'serial:/dev/ttyUSB2', rebound: true });
    expect(watcher.status('vending-board')).toEqual({ state: 'online', uri: 'serial:/dev/ttyUSB2' });

    const before = events.length;
    const listingsBefore = listed.length;
    await time.advance(2000);
    expect(events.length).toBe(before); // still there: no news
    expect(listed.length).toBe(listingsBefore + 1); // back to the normal poll period
    watcher.stop();
  });

  it('a device replugged under another path between two polls is rebound at the next poll', async () => {
    const { time, watcher, events, attach } = setup([board('/dev/ttyUSB0')]);
    watcher.watch('vending-board', { vendorId: 0x1a86, productId: 0x7523, serialNumber: 'A1B2' });
    await watcher.start();
    attach([board('/dev/ttyUSB1')]);
    await time.advance(2000);
    expect(events).toEqual([
      { type: 'online', id: 'vending-board', uri: 'serial:/dev/ttyUSB0', rebound: false },
      { type: 'online', id: 'vending-board', uri: 'serial:/dev/ttyUSB1', rebound: true },
    ]);
    await time.advance(2000);
    expect(events).toHaveLength(2); // settled at the new path
    watcher.stop();
  });

  it('markOffline from a transport disconnect acts at once, once', async () => {
    const { time, watcher, events, attach } = setup([board('/dev/ttyUSB0')]);
    watcher.watch('scanner', { vendorId: 0x1a86, productId: 0x7523 });
    await watcher.start();
    attach([]);
    watcher.markOffline('scanner', 'transport disconnected');
    watcher.markOffline('scanner', 'again');
    expect(events.filter((event) => event.type === 'offline')).toEqual([{ type: 'offline', id: 'scanner', uri: 'serial:/dev/ttyUSB0', reason: 'transport disconnected' }]);
    attach([board('/dev/ttyUSB0')]);
    await time.advance(500);
    expect(events.at(-1)).toEqual({ type: 'online', id: 'scanner', uri: 'serial:/dev/ttyUSB0', rebound: true });
    watcher.stop();
  });

  it('a failing listing never takes an online device offline', async () => {
    const { time, watcher, events, failNextListing } = setup([board('/dev/ttyUSB0')]);
    watcher.watch('printer', { path: '/dev/ttyUSB0' });
    await watcher.start();
    failNextListing();
    await time.advance(2000);
    await time.advance(2000);
    expect(events.map((event) => event.type)).toEqual(['online']);
    watcher.stop();
  });

  it('a device absent at start is reported offline and bound when it appears', async () => {
    const { time, watcher, events, attach } = setup([]);
    watcher.watch('printer', { vendorId: 0x04b8, productId: 0x0202 });
    await watcher.start();
    expect(events[0]).toMatchObject({ type: 'offline', reason: 'not attached', uri: undefined });
    attach([{ kind: 'hid', uri: 'hid:0x04b8:0x0202', path: '/dev/hidraw3', vendorId: 0x04b8, productId: 0x0202 }]);
    await time.advance(500);
    expect(events.at(-1)).toEqual({ type: 'online', id: 'printer', uri: 'hid:0x04b8:0x0202', rebound: true });
    watcher.stop();
  });

  it('stop cancels polling and retries', async () => {
    const { time, watcher, listed } = setup([]);
    watcher.watch('printer', { path: '/dev/ttyUSB0' });
    await watcher.start();
    watcher.stop();
    const count = listed.length;
    await time.advance(60_000);
    expect(listed.length).toBe(count);
  });
});
