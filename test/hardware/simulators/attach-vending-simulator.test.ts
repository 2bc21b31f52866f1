import { describe, expect, it } from 'vitest';
import { attachVendingSimulator, SimulatedVendingUriError, type VendingSimulator } from '../../../hardware/simulators/attach-vending-simulator.js';
import { DispenseBoardSimulator } from '../../../hardware/simulators/dispense-board-simulator.js';
import { MdbVmcSimulator } from '../../../hardware/simulators/mdb-vmc-simulator.js';
import { parseDeviceUri } from '../../../hardware/transports/device-uri.js';
import { openTransport, type SimulatedDeviceUri } from '../../../hardware/transports/open-transport.js';
import { DispenseBoardMachine } from '../../../hardware/vending/dispense-board-machine.js';
import { MdbCashlessMachine } from '../../../hardware/vending/mdb-cashless-machine.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import { FakeClock } from '../../support/fake-clock.js';
import { settle } from '../vending/vending-test-rig.js';

async function open(uri: string, clock: FakeClock) {
  let simulator: VendingSimulator | undefined;
  const transport = await openTransport(parseDeviceUri(uri), { attachSimulator: (simUri, link) => (simulator = attachVendingSimulator(simUri, link, { timers: clock, clock })) });
  return { transport, simulator };
}

describe('attachVendingSimulator (sim: URIs)', () => {
  it('sim:board?fault=no-drop gives a board with that fault', async () => {
    const clock = new FakeClock();
    const { transport, simulator } = await open('sim:board?fault=no-drop&motorMs=500', clock);
    expect(simulator).toBeInstanceOf(DispenseBoardSimulator);
    const machine = new DispenseBoardMachine({ machineId: 'b', transport, store: new MemoryVendStateStore(), clock, timers: clock });
    expect(await settle(clock, machine.vend({ vendId: 'v', slot: 1, priceMinor: 1 }))).toMatchObject({ kind: 'not-dispensed', reason: 'no-drop' });
  });

  it('sim:mdb asks for item and price once the reader is enabled', async () => {
    const clock = new FakeClock();
    const { transport, simulator } = await open('sim:mdb?item=4&price=2.50', clock);
    expect(simulator).toBeInstanceOf(MdbVmcSimulator);
    const machine = new MdbCashlessMachine({ adapterId: 'a', transport, store: new MemoryVendStateStore(), clock, timers: clock, newId: () => 'v' });
    const requests: unknown[] = [];
    machine.onVendRequested((request) => requests.push(request));
    await settle(clock, machine.start());
    await clock.advance(1000);
    expect(requests).toEqual([{ vendId: 'v', item: 4, priceMinor: 250 }]);
    expect(await settle(clock, machine.approve('v'))).toMatchObject({ kind: 'dispensed' });
  });

  it('refuses unknown faults and other kinds', async () => {
    const clock = new FakeClock();
    await expect(open('sim:board?fault=melted', clock)).rejects.toThrow(SimulatedVendingUriError);
    const printer = parseDeviceUri('sim:printer') as SimulatedDeviceUri;
    expect(() => attachVendingSimulator(printer, {} as never, { timers: clock, clock })).toThrow(/not a vending device/);
  });
});
