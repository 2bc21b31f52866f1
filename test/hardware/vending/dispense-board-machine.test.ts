import { describe, expect, it } from 'vitest';
import { encodeBoardMessage } from '../../../hardware/protocols/dispense-board/dispense-board-frame.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import { DispenseBoardMachine } from '../../../hardware/vending/dispense-board-machine.js';
import type { SlotOutOfSale } from '../../../hardware/vending/vending-machine.js';
import { boardRig, settle } from './vending-test-rig.js';

const request = (vendId: string, slot = 12) => ({ vendId, slot, priceMinor: 350 });

describe('DispenseBoardMachine on a fake clock', () => {
  it('dispenses, confirmed by the drop sensor, with the sequence number persisted before VEND was sent', async () => {
    const store = new MemoryVendStateStore();
    const seenAtSend: (number | undefined)[] = [];
    const rig = await boardRig({ store });
    const originalWrite = rig.link.host.write.bind(rig.link.host);
    rig.link.host.write = async (bytes) => {
      if (bytes[5] === 0x01) seenAtSend.push(store.findDirectVend('v1')?.sequence);
      return originalWrite(bytes);
    };
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toEqual({ kind: 'dispensed', vendId: 'v1', slot: 12, confirmedBy: 'drop-sensor' });
    expect(rig.board.dropsBySlot.get(12)).toBe(1);
    const record = store.findDirectVend('v1');
    expect(record).toMatchObject({ state: 'dispensed', sequence: 1 });
    expect(seenAtSend).toEqual([1]);
    expect(rig.board.received).toEqual([{ type: 'vend', seq: 1, slot: 12 }]);
  });

  it('gives each vend its own sequence number and never re-sends a finished vend', async () => {
    const rig = await boardRig();
    await settle(rig.clock, rig.machine.vend(request('v1')));
    await settle(rig.clock, rig.machine.vend(request('v2', 3)));
    const again = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(again.kind).toBe('dispensed');
    expect(rig.board.totalDrops).toBe(2);
    expect(rig.board.received).toEqual([
      { type: 'vend', seq: 1, slot: 12 },
      { type: 'vend', seq: 2, slot: 3 },
    ]);
  });

  it.each([
    ['jam', 'jam'],
    ['no-drop', 'no-drop'],
    ['motor-fault', 'motor-fault'],
    ['nak', 'refused'],
  ] as const)('board fault %s → not-dispensed (%s), nothing dropped', async (fault, reason) => {
    const rig = await boardRig({ fault });
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason, inspect: false });
    expect(rig.board.totalDrops).toBe(0);
    expect(rig.store.findDirectVend('v1')?.state).toBe('not-dispensed');
  });

  it.each(['silence', 'garbage'] as const)('%s mid-vend → unknown → STATUS-OF with the same sequence number → dispensed exactly once', async (fault) => {
    const rig = await boardRig({ fault });
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toEqual({ kind: 'dispensed', vendId: 'v1', slot: 12, confirmedBy: 'drop-sensor' });
    expect(rig.board.totalDrops).toBe(1);
    const vends = rig.board.received.filter((message) => message.type === 'vend');
    const queries = rig.board.received.filter((message) => message.type === 'status-of');
    expect(vends).toEqual([{ type: 'vend', seq: 1, slot: 12 }]);
    expect(queries.length).toBeGreaterThanOrEqual(1);
    expect(queries.every((message) => message.type === 'status-of' && message.seq === 1)).toBe(true);
    if (fault === 'garbage') expect(rig.machine.stats.frameErrors).toBeGreaterThan(0);
  });

  it('board reset mid-vend → not-dispensed + inspect, slot out of sale at once', async () => {
    const rig = await boardRig({ fault: 'reset' });
    const reported: SlotOutOfSale[] = [];
    rig.machine.onSlotOutOfSale((slot) => reported.push(slot));
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'board-lost-state', inspect: true });
    expect(reported).toHaveLength(1);
    expect(reported[0]?.slot).toBe(12);
    expect(rig.machine.slotsOutOfSale().map((slot) => slot.slot)).toEqual([12]);
    rig.board.setFault('none');
    const refused = await settle(rig.clock, rig.machine.vend(request('v2')));
    expect(refused).toMatchObject({ kind: 'not-dispensed', reason: 'slot-out-of-sale' });
    expect(rig.board.received.filter((message) => message.type === 'vend')).toHaveLength(1);
  });

  it('takes a slot out of sale after N failures in a row and sells again once returned', async () => {
    const rig = await boardRig({ fault: 'jam', maxFailuresInARow: 2 });
    const reported: SlotOutOfSale[] = [];
    rig.machine.onSlotOutOfSale((slot) => reported.push(slot));
    await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(reported).toEqual([]);
    await settle(rig.clock, rig.machine.vend(request('v2')));
    expect(reported).toEqual([{ slot: 12, reason: '2 failed vends in a row, last: jam', consecutiveFailures: 2 }]);
    rig.board.setFault('none');
    expect((await settle(rig.clock, rig.machine.vend(request('v3')))).kind).toBe('not-dispensed');
    rig.machine.returnSlotToSale(12);
    expect((await settle(rig.clock, rig.machine.vend(request('v4')))).kind).toBe('dispensed');
  });

  it('a success in between restarts the failure count', async () => {
    const rig = await boardRig({ fault: 'jam', maxFailuresInARow: 2 });
    await settle(rig.clock, rig.machine.vend(request('v1')));
    rig.board.setFault('none');
    await settle(rig.clock, rig.machine.vend(request('v2')));
    rig.board.setFault('jam');
    await settle(rig.clock, rig.machine.vend(request('v3')));
    expect(rig.machine.slotsOutOfSale()).toEqual([]);
  });

  it('a dead board leaves the vend unknown; resolvePending settles it later with the same sequence number', async () => {
    const rig = await boardRig({ fault: 'dead' });
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toMatchObject({ kind: 'unknown', vendId: 'v1' });
    expect(rig.store.openDirectVends('board-1').map((record) => record.state)).toEqual(['unknown']);
    rig.board.setFault('none');
    const resolved = await settle(rig.clock, rig.machine.resolvePending());
    // The dead board never ran the vend; now it has no record of seq 1: it cannot tell → inspect.
    expect(resolved).toEqual([expect.objectContaining({ kind: 'not-dispensed', reason: 'board-lost-state', inspect: true })]);
    expect(rig.board.received.filter((message) => message.type === 'vend')).toHaveLength(1);
    expect(rig.board.received.filter((message) => message.type === 'status-of').every((message) => message.type === 'status-of' && message.seq === 1)).toBe(true);
    expect(rig.store.openDirectVends('board-1')).toEqual([]);
  });

  it('a restart mid-vend resolves from the persisted sequence number: one drop, no second VEND', async () => {
    const rig = await boardRig();
    const first = rig.machine.vend(request('v1'));
    await rig.clock.advance(200); // VEND sent and ACKed, motor running
    expect(rig.store.findDirectVend('v1')?.state).toBe('dispensing');
    await rig.machine.close(); // the kiosk process dies
    await settle(rig.clock, first); // (the dying instance's own outcome is irrelevant)
    await rig.clock.advance(3000); // the board finishes the vend meanwhile
    await rig.link.host.open();
    const restarted = new DispenseBoardMachine({ machineId: 'board-1', transport: rig.link.host, store: rig.store, clock: rig.clock, timers: rig.clock });
    const resolved = await settle(rig.clock, restarted.resolvePending());
    expect(resolved).toEqual([{ kind: 'dispensed', vendId: 'v1', slot: 12, confirmedBy: 'drop-sensor' }]);
    expect(rig.board.totalDrops).toBe(1);
    expect(rig.board.received.filter((message) => message.type === 'vend')).toHaveLength(1);
    // Asking to vend the same intent again returns the recorded outcome.
    expect((await settle(rig.clock, restarted.vend(request('v1')))).kind).toBe('dispensed');
    expect(rig.board.totalDrops).toBe(1);
  });
});

describe('DispenseBoardMachine against a hand-written board', () => {
  it('waits for the final status when the board answers VEND with IN-PROGRESS', async () => {
    const clock = new FakeClock();
    const link = createMemoryLink();
    await link.device.open();
    link.device.on('data', () => {
      void link.device.write(encodeBoardMessage({ type: 'in-progress', seq: 1, slot: 4 }));
      clock.setTimer(() => void link.device.write(encodeBoardMessage({ type: 'dispensed', seq: 1, slot: 4 })), 500);
    });
    await link.host.open();
    const machine = new DispenseBoardMachine({ machineId: 'm', transport: link.host, store: new MemoryVendStateStore(), clock, timers: clock });
    expect(await settle(clock, machine.vend(request('v1', 4)))).toMatchObject({ kind: 'dispensed' });
  });

  it('a transport closed before VEND leaves the vend unknown, never dispensed twice', async () => {
    const rig = await boardRig();
    await rig.link.host.close();
    const outcome = await settle(rig.clock, rig.machine.vend(request('v1')));
    expect(outcome).toMatchObject({ kind: 'unknown' });
    expect(rig.store.findDirectVend('v1')?.state).toBe('unknown');
    await rig.link.host.open();
    expect(await settle(rig.clock, rig.machine.resolvePending())).toEqual([expect.objectContaining({ kind: 'not-dispensed', reason: 'board-lost-state' })]);
    expect(rig.board.totalDrops).toBe(0);
  });
});
