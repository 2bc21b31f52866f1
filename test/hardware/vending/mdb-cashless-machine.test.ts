import { describe, expect, it } from 'vitest';
import { MdbVmcSimulator, type VmcFault } from '../../../hardware/simulators/mdb-vmc-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { MdbCashlessMachine, type MdbVendRequested } from '../../../hardware/vending/mdb-cashless-machine.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import type { VendStateStore } from '../../../hardware/vending/vend-state-store.js';
import { FakeClock } from '../../support/fake-clock.js';
import { settle } from './vending-test-rig.js';

async function mdbRig(options: { fault?: VmcFault; store?: VendStateStore; idPrefix?: string } = {}) {
  const clock = new FakeClock();
  const link = createMemoryLink({ description: 'sim:mdb' });
  const store = options.store ?? new MemoryVendStateStore();
  const vmc = new MdbVmcSimulator({ transport: link.device, timers: clock, fault: options.fault ?? 'none' });
  await vmc.start();
  await link.host.open();
  let next = 0;
  const machine = new MdbCashlessMachine({ adapterId: 'mdb-1', transport: link.host, store, clock, timers: clock, newId: () => `${options.idPrefix ?? 'mdb-vend'}-${++next}` });
  const requests: MdbVendRequested[] = [];
  machine.onVendRequested((request) => requests.push(request));
  await settle(clock, machine.start());
  await clock.advance(1000);
  return { clock, link, store, vmc, machine, requests };
}

describe('MdbCashlessMachine against the VMC simulator', () => {
  it('enables the reader and persists the states the adapter reports', async () => {
    const rig = await mdbRig();
    expect(rig.vmc.received[0]).toBe('C,1');
    expect(rig.machine.readerState()).toBe('enabled');
    expect(rig.store.mdbReaderState('mdb-1')).toBe('enabled');
  });

  it('vend success: VEND request → approve C,VEND,<amount> (journaled first) → VEND SUCCESS → dispensed', async () => {
    const rig = await mdbRig();
    expect(rig.vmc.selectProduct(7, 350)).toBe(true);
    await rig.clock.advance(10);
    expect(rig.requests).toEqual([{ vendId: 'mdb-vend-1', item: 7, priceMinor: 350 }]);
    expect(rig.machine.readerState()).toBe('vend');
    const outcome = rig.machine.vend({ vendId: 'mdb-vend-1', slot: 7, priceMinor: 350 });
    expect(rig.store.findMdbVend('mdb-vend-1')?.state).toBe('approving');
    expect(await settle(rig.clock, outcome)).toEqual({ kind: 'dispensed', vendId: 'mdb-vend-1', slot: 7, confirmedBy: 'vmc' });
    expect(rig.vmc.received).toEqual(['C,1', 'C,VEND,3.50']);
    expect(rig.vmc.sessions).toEqual([{ item: 7, priceMinor: 350, result: 'dispensed', approvedMinor: 350 }]);
    expect(rig.store.findMdbVend('mdb-vend-1')?.state).toBe('dispensed');
    expect(rig.machine.readerState()).toBe('enabled');
  });

  it('vend failure after approval (c,ERR,VEND 3) → not-dispensed vend-failed: refund', async () => {
    const rig = await mdbRig({ fault: 'vend-fail' });
    rig.vmc.selectProduct(7, 350);
    await rig.clock.advance(10);
    const outcome = await settle(rig.clock, rig.machine.approve('mdb-vend-1'));
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'vend-failed', slot: 7 });
    expect(rig.vmc.sessions[0]?.result).toBe('failed');
    expect(rig.store.findMdbVend('mdb-vend-1')).toMatchObject({ state: 'not-dispensed', reason: 'vend-failed' });
  });

  it('payment failed → deny sends exactly C,VEND,-1 and the session ends denied', async () => {
    const rig = await mdbRig();
    rig.vmc.selectProduct(3, 200);
    await rig.clock.advance(10);
    await rig.machine.deny('mdb-vend-1', 'payment expired');
    await rig.clock.advance(10);
    expect(rig.vmc.received).toEqual(['C,1', 'C,VEND,-1']);
    expect(rig.vmc.sessions[0]?.result).toBe('denied');
    expect(rig.store.findMdbVend('mdb-vend-1')).toMatchObject({ state: 'denied', reason: 'payment expired' });
    // A late "paid" for a denied session never approves.
    expect(await settle(rig.clock, rig.machine.approve('mdb-vend-1'))).toMatchObject({ kind: 'not-dispensed' });
    expect(rig.vmc.received).toEqual(['C,1', 'C,VEND,-1']);
  });

  it('paid after the VMC gave up → not-dispensed (vmc-gave-up): refund, nothing sent', async () => {
    const rig = await mdbRig();
    const gaveUp: string[] = [];
    rig.machine.onVmcGaveUp((record) => gaveUp.push(record.vendId));
    rig.vmc.selectProduct(3, 200);
    await rig.clock.advance(31_000);
    expect(rig.vmc.sessions[0]?.result).toBe('gave-up');
    expect(gaveUp).toEqual(['mdb-vend-1']);
    const outcome = await settle(rig.clock, rig.machine.approve('mdb-vend-1'));
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'vmc-gave-up' });
    expect(rig.vmc.received).toEqual(['C,1']);
  });

  it('no VEND result in time → not-dispensed session-ended and C,STOP', async () => {
    const rig = await mdbRig();
    rig.vmc.selectProduct(3, 200);
    await rig.clock.advance(10);
    rig.vmc.setFault('silent');
    const outcome = await settle(rig.clock, rig.machine.approve('mdb-vend-1'));
    expect(outcome).toMatchObject({ kind: 'not-dispensed', reason: 'session-ended' });
    expect(rig.vmc.received).toEqual(['C,1', 'C,VEND,2.00', 'C,STOP']);
  });

  it('a price that does not match the VMC request is never approved', async () => {
    const rig = await mdbRig();
    rig.vmc.selectProduct(3, 200);
    await rig.clock.advance(10);
    expect(await settle(rig.clock, rig.machine.vend({ vendId: 'mdb-vend-1', slot: 3, priceMinor: 150 }))).toMatchObject({ reason: 'price-mismatch' });
    expect(rig.vmc.received).toEqual(['C,1']);
  });

  it('restart while approving → not-dispensed session-ended; restart while requested → a late payment is refunded', async () => {
    const store = new MemoryVendStateStore();
    const first = await mdbRig({ store });
    first.vmc.selectProduct(3, 200);
    await first.clock.advance(10);
    void first.machine.approve('mdb-vend-1');
    await first.clock.advance(10);
    expect(store.findMdbVend('mdb-vend-1')?.state).toBe('approving');
    first.vmc.setFault('silent'); // the kiosk dies before it hears the result
    await first.machine.close();

    const second = await mdbRig({ store, idPrefix: 'second-run' });
    expect(store.findMdbVend('mdb-vend-1')).toMatchObject({ state: 'not-dispensed', reason: 'session-ended' });
    second.vmc.selectProduct(4, 300);
    await second.clock.advance(10);
    const newVendId = second.requests[0]?.vendId ?? '';
    await second.machine.close();

    const third = await mdbRig({ store, idPrefix: 'third-run' });
    expect(store.findMdbVend(newVendId)?.state).toBe('vmc-gave-up');
    expect(await settle(third.clock, third.machine.approve(newVendId))).toMatchObject({ kind: 'not-dispensed', reason: 'vmc-gave-up' });
    expect(third.vmc.received).toEqual(['C,1']);
  });

  it('a vend request the store cannot record is denied, never approved', async () => {
    const store = new MemoryVendStateStore();
    const rig = await mdbRig({ store });
    store.recordMdbVend = () => {
      throw new Error('disk full');
    };
    rig.vmc.selectProduct(3, 200);
    await rig.clock.advance(10);
    expect(rig.requests).toEqual([]);
    expect(rig.vmc.received).toEqual(['C,1', 'C,VEND,-1']);
    expect(rig.vmc.sessions[0]?.result).toBe('denied');
  });
});
