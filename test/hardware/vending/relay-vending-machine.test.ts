import { describe, expect, it } from 'vitest';
import { decodeHidRelayReport } from '../../../hardware/protocols/relay/hid-relay-report.js';
import { HidTransport } from '../../../hardware/transports/hid-transport.js';
import { RelayBoardSimulator } from '../../../hardware/simulators/relay-board-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import { hidRelaySwitch, lcusRelaySwitch, RelayVendingMachine, type HidFeatureReportWriter, type RelaySwitch } from '../../../hardware/vending/relay-vending-machine.js';
import { FakeClock } from '../../support/fake-clock.js';
import { settle } from './vending-test-rig.js';

const slots = new Map([
  [1, { channel: 1, pulseMs: 800 }],
  [2, { channel: 2, pulseMs: 1500 }],
]);

describe('RelayVendingMachine', () => {
  it('pulses an LCUS relay for the slot’s configured duration, on the fake clock', async () => {
    const clock = new FakeClock();
    const link = createMemoryLink({ description: 'sim:relay' });
    const board = new RelayBoardSimulator({ transport: link.device, clock, fault: 'garbage' });
    await board.start();
    await link.host.open();
    const store = new MemoryVendStateStore();
    const machine = new RelayVendingMachine({ machineId: 'relays', relays: lcusRelaySwitch(link.host), slots, store, clock, timers: clock });
    expect(await settle(clock, machine.vend({ vendId: 'r1', slot: 2, priceMinor: 100 }))).toEqual({ kind: 'dispensed', vendId: 'r1', slot: 2, confirmedBy: 'pulse-only' });
    expect(await settle(clock, machine.vend({ vendId: 'r2', slot: 1, priceMinor: 100 }))).toMatchObject({ kind: 'dispensed' });
    expect(board.pulses.map(({ channel, durationMs }) => ({ channel, durationMs }))).toEqual([
      { channel: 2, durationMs: 1500 },
      { channel: 1, durationMs: 800 },
    ]);
    expect(store.findDirectVend('r1')?.state).toBe('dispensed');
    // Idempotent: the same vend intent never pulses again.
    await settle(clock, machine.vend({ vendId: 'r1', slot: 2, priceMinor: 100 }));
    expect(board.pulses).toHaveLength(2);
  });

  it('pulses a dcttech HID relay through its feature-report writer', async () => {
    const clock = new FakeClock();
    const reports: { atMs: number; report: number[] }[] = [];
    const writer: HidFeatureReportWriter = {
      description: 'hid:0x16c0:0x05df',
      sendFeatureReport: async (report) => {
        reports.push({ atMs: clock.nowMs(), report: [...report] });
      },
      close: async () => undefined,
    };
    const machine = new RelayVendingMachine({ machineId: 'hid', relays: hidRelaySwitch(writer), slots, store: new MemoryVendStateStore(), clock, timers: clock });
    await settle(clock, machine.vend({ vendId: 'h1', slot: 1, priceMinor: 100 }));
    expect(reports.map(({ report }) => report)).toEqual([
      [0x00, 0xff, 0x01, 0, 0, 0, 0, 0, 0],
      [0x00, 0xfd, 0x01, 0, 0, 0, 0, 0, 0],
    ]);
    expect((reports[1]?.atMs ?? 0) - (reports[0]?.atMs ?? 0)).toBe(800);
    expect(reports.map(({ report }) => decodeHidRelayReport(Uint8Array.from(report)))).toEqual([
      { channel: 1, on: true },
      { channel: 1, on: false },
    ]);
  });

  function flakySwitch(failOn: 'on' | 'off'): RelaySwitch & { calls: string[] } {
    const calls: string[] = [];
    return {
      description: 'flaky',
      calls,
      setRelay: async (channel, on) => {
        calls.push(`${channel}:${on ? 'on' : 'off'}`);
        if ((failOn === 'on') === on) throw new Error('write failed');
      },
      close: async () => undefined,
    };
  }

  it('a relay that never switched on → not-dispensed not-sent', async () => {
    const clock = new FakeClock();
    const machine = new RelayVendingMachine({ machineId: 'm', relays: flakySwitch('on'), slots, store: new MemoryVendStateStore(), clock, timers: clock });
    expect(await settle(clock, machine.vend({ vendId: 'x', slot: 1, priceMinor: 1 }))).toMatchObject({ kind: 'not-dispensed', reason: 'not-sent', inspect: false });
  });

  it('a relay that did not switch off → not-dispensed + inspect, slot out of sale', async () => {
    const clock = new FakeClock();
    const machine = new RelayVendingMachine({ machineId: 'm', relays: flakySwitch('off'), slots, store: new MemoryVendStateStore(), clock, timers: clock });
    expect(await settle(clock, machine.vend({ vendId: 'x', slot: 1, priceMinor: 1 }))).toMatchObject({ kind: 'not-dispensed', reason: 'relay-stuck', inspect: true });
    expect(machine.slotsOutOfSale().map((slot) => slot.slot)).toEqual([1]);
  });

  it('a pulse interrupted by a restart: relays switched off, not-dispensed + inspect', async () => {
    const clock = new FakeClock();
    const store = new MemoryVendStateStore();
    store.beginDirectVend({ vendId: 'crashed', machineId: 'm', slot: 2, atMs: 0 });
    store.updateDirectVend('crashed', { state: 'dispensing', atMs: 1 });
    const relays = flakySwitch('on');
    const machine = new RelayVendingMachine({ machineId: 'm', relays, slots, store, clock, timers: clock });
    const outcomes = await settle(clock, machine.resolvePending());
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'not-dispensed', reason: 'cannot-verify', inspect: true, vendId: 'crashed' })]);
    expect(relays.calls).toEqual(['1:off', '2:off']);
    expect(store.openDirectVends('m')).toEqual([]);
  });

  it('takes the HID transport as its feature-report writer (checked by the compiler)', () => {
    const asWriter = (transport: HidTransport): HidFeatureReportWriter => transport;
    const transport = new HidTransport({ vendorId: 0x16c0, productId: 0x05df });
    expect(hidRelaySwitch(asWriter(transport)).description).toBe('HID relays on hid:0x16c0:0x05df');
  });
});
