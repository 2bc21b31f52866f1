import { describe, expect, it } from 'vitest';
import { encodeHidRelayReport } from '../../../hardware/protocols/relay/hid-relay-report.js';
import { encodeLcusSwitch } from '../../../hardware/protocols/relay/lcus-relay-frame.js';
import { RelayBoardSimulator } from '../../../hardware/simulators/relay-board-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import { hidRelaySwitch, RelayVendingMachine } from '../../../hardware/vending/relay-vending-machine.js';
import { FakeClock } from '../../support/fake-clock.js';
import { settle } from '../vending/vending-test-rig.js';

describe('RelayBoardSimulator', () => {
  it('switches channels from LCUS commands and measures pulses', async () => {
    const clock = new FakeClock();
    const link = createMemoryLink();
    const relays = new RelayBoardSimulator({ transport: link.device, clock });
    await relays.start();
    await link.host.open();
    await link.host.write(Uint8Array.from([0x55, ...encodeLcusSwitch({ channel: 3, on: true })]));
    await clock.advance(250);
    expect(relays.isOn(3)).toBe(true);
    await link.host.write(encodeLcusSwitch({ channel: 3, on: false }));
    await clock.advance(0);
    expect(relays.isOn(3)).toBe(false);
    expect(relays.pulses).toEqual([{ channel: 3, onAtMs: clock.nowMs() - 250, durationMs: 250 }]);
  });

  it('acts as a dcttech HID relay through its feature-report writer', async () => {
    const clock = new FakeClock();
    const relays = new RelayBoardSimulator({ transport: createMemoryLink().device, clock });
    const writer = relays.hidFeatureReportWriter();
    await writer.sendFeatureReport(encodeHidRelayReport(2, true));
    expect(relays.isOn(2)).toBe(true);
    await expect(writer.sendFeatureReport(Uint8Array.of(1, 2, 3))).rejects.toThrow(/not understood/);
    const machine = new RelayVendingMachine({ machineId: 'hid', relays: hidRelaySwitch(writer), slots: new Map([[5, { channel: 5, pulseMs: 700 }]]), store: new MemoryVendStateStore(), clock, timers: clock });
    expect(await settle(clock, machine.vend({ vendId: 'h', slot: 5, priceMinor: 1 }))).toMatchObject({ kind: 'dispensed', confirmedBy: 'pulse-only' });
    expect(relays.pulses).toEqual([expect.objectContaining({ channel: 5, durationMs: 700 })]);
    writer.unplug();
    expect(await settle(clock, machine.vend({ vendId: 'h2', slot: 5, priceMinor: 1 }))).toMatchObject({ kind: 'not-dispensed', reason: 'not-sent' });
  });
});
