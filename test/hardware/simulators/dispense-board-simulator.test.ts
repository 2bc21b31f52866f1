import { describe, expect, it } from 'vitest';
import { DispenseBoardDecoder } from '../../../hardware/protocols/dispense-board/dispense-board-decoder.js';
import { encodeBoardMessage, type BoardMessage } from '../../../hardware/protocols/dispense-board/dispense-board-frame.js';
import { DispenseBoardSimulator, type BoardFault } from '../../../hardware/simulators/dispense-board-simulator.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';

/** Talks to the simulator frame by frame, as a raw host would. */
async function rawBoard(fault: BoardFault = 'none') {
  const clock = new FakeClock();
  const link = createMemoryLink();
  const board = new DispenseBoardSimulator({ transport: link.device, timers: clock, motorMs: 1000, slotCount: 10, fault });
  await board.start();
  await link.host.open();
  const decoder = new DispenseBoardDecoder();
  const replies: BoardMessage[] = [];
  let errors = 0;
  link.host.on('data', (chunk) => {
    for (const result of decoder.push(chunk)) {
      if (result.ok) replies.push(result.message);
      else errors += 1;
    }
  });
  const send = async (message: BoardMessage) => {
    await link.host.write(encodeBoardMessage(message));
    await clock.advance(0);
  };
  return { clock, board, replies, send, errors: () => errors };
}

describe('DispenseBoardSimulator', () => {
  it('ACKs a vend, then reports DISPENSED after the motor time', async () => {
    const rig = await rawBoard();
    await rig.send({ type: 'vend', seq: 5, slot: 2 });
    expect(rig.replies).toEqual([{ type: 'ack', seq: 5, slot: 2, acked: 'vend' }]);
    await rig.clock.advance(1000);
    expect(rig.replies.at(-1)).toEqual({ type: 'dispensed', seq: 5, slot: 2 });
    expect(rig.board.dropsBySlot.get(2)).toBe(1);
  });

  it('answers a resent VEND with that vend’s status and never dispenses twice', async () => {
    const rig = await rawBoard();
    await rig.send({ type: 'vend', seq: 5, slot: 2 });
    await rig.send({ type: 'vend', seq: 5, slot: 2 });
    expect(rig.replies.at(-1)).toEqual({ type: 'in-progress', seq: 5, slot: 2 });
    await rig.clock.advance(1000);
    await rig.send({ type: 'vend', seq: 5, slot: 2 });
    expect(rig.replies.at(-1)).toEqual({ type: 'dispensed', seq: 5, slot: 2 });
    expect(rig.board.totalDrops).toBe(1);
  });

  it('answers STATUS-OF for unknown sequence numbers with UNKNOWN-SEQUENCE, and reports board status', async () => {
    const rig = await rawBoard();
    await rig.send({ type: 'status-of', seq: 77 });
    expect(rig.replies).toEqual([{ type: 'unknown-sequence', seq: 77, slot: 0 }]);
    await rig.send({ type: 'board-status-request' });
    expect(rig.replies.at(-1)).toEqual({ type: 'board-status', slotCount: 10, justReset: true, dropSensorFault: false, lastSeq: 0 });
  });

  it('refuses a slot it does not have', async () => {
    const rig = await rawBoard();
    await rig.send({ type: 'vend', seq: 1, slot: 11 });
    expect(rig.replies).toEqual([{ type: 'nak', seq: 1, slot: 11, reason: 'bad-slot' }]);
  });

  it('forgets its history on RESET', async () => {
    const rig = await rawBoard();
    await rig.send({ type: 'vend', seq: 1, slot: 1 });
    await rig.clock.advance(1000);
    await rig.send({ type: 'reset' });
    await rig.send({ type: 'status-of', seq: 1 });
    expect(rig.replies.slice(-2)).toEqual([
      { type: 'ack', seq: 0, slot: 0, acked: 'reset' },
      { type: 'unknown-sequence', seq: 1, slot: 0 },
    ]);
  });

  it.each([
    ['jam', 'jam'],
    ['no-drop', 'no-drop'],
    ['motor-fault', 'motor-fault'],
  ] as const)('fault %s ends the vend with %s and drops nothing', async (fault, status) => {
    const rig = await rawBoard(fault);
    await rig.send({ type: 'vend', seq: 3, slot: 1 });
    await rig.clock.advance(1000);
    expect(rig.replies.at(-1)).toEqual({ type: status, seq: 3, slot: 1 });
    expect(rig.board.totalDrops).toBe(0);
  });

  it('garbage replaces the replies with junk, silence with nothing; both still drop and answer STATUS-OF', async () => {
    for (const fault of ['garbage', 'silence'] as const) {
      const rig = await rawBoard(fault);
      await rig.send({ type: 'vend', seq: 3, slot: 1 });
      await rig.clock.advance(1000);
      expect(rig.replies).toEqual([]);
      if (fault === 'garbage') expect(rig.errors()).toBeGreaterThan(0);
      await rig.send({ type: 'status-of', seq: 3 });
      expect(rig.replies).toEqual([{ type: 'dispensed', seq: 3, slot: 1 }]);
      expect(rig.board.totalDrops).toBe(1);
    }
  });

  it('reset mid-vend drops nothing and forgets the vend; dead answers nothing', async () => {
    const reset = await rawBoard('reset');
    await reset.send({ type: 'vend', seq: 3, slot: 1 });
    await reset.clock.advance(1000);
    await reset.send({ type: 'status-of', seq: 3 });
    expect(reset.replies.at(-1)).toEqual({ type: 'unknown-sequence', seq: 3, slot: 0 });
    expect(reset.board.totalDrops).toBe(0);

    const dead = await rawBoard('dead');
    await dead.send({ type: 'vend', seq: 3, slot: 1 });
    await dead.send({ type: 'status-of', seq: 3 });
    await dead.clock.advance(5000);
    expect(dead.replies).toEqual([]);
  });
});
