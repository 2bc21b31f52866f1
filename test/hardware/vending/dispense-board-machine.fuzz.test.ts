/**
 * Property: whatever a broken board sends back (random bytes, valid frames for other sequence
 * numbers, nothing), a vend ends in an outcome, the machine never throws, and it sends VEND at most
 * once for the vend, every later query being STATUS-OF with the same sequence number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DispenseBoardDecoder } from '../../../hardware/protocols/dispense-board/dispense-board-decoder.js';
import { encodeBoardMessage, type BoardMessage } from '../../../hardware/protocols/dispense-board/dispense-board-frame.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { DispenseBoardMachine } from '../../../hardware/vending/dispense-board-machine.js';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import { FakeClock } from '../../support/fake-clock.js';
import { settle } from './vending-test-rig.js';

const reply = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc
    .record({
      type: fc.constantFrom('ack' as const, 'dispensed' as const, 'jam' as const, 'no-drop' as const, 'unknown-sequence' as const, 'in-progress' as const),
      seq: fc.integer({ min: 0, max: 3 }),
      slot: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ type, seq, slot }): BoardMessage => (type === 'ack' ? { type, seq, slot, acked: 'vend' } : { type, seq, slot }))
    .map((message) => encodeBoardMessage(message)),
);

describe('DispenseBoardMachine against a board answering at random', () => {
  it('always settles, never throws, and sends at most one VEND per vend (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(reply, { maxLength: 3 }), { maxLength: 6 }), async (script) => {
        const clock = new FakeClock();
        const link = createMemoryLink();
        const decoder = new DispenseBoardDecoder();
        const seen: BoardMessage[] = [];
        let turn = 0;
        await link.device.open();
        link.device.on('data', (chunk) => {
          for (const result of decoder.push(chunk)) if (result.ok) seen.push(result.message);
          for (const bytes of script[turn++] ?? []) void link.device.write(bytes);
        });
        await link.host.open();
        const store = new MemoryVendStateStore();
        const machine = new DispenseBoardMachine({ machineId: 'm', transport: link.host, store, clock, timers: clock, statusAttempts: 2, vendTimeoutMs: 3000, inProgressPollMs: 500 });
        const outcome = await settle(clock, machine.vend({ vendId: 'v', slot: 1, priceMinor: 100 }), 600_000);
        expect(['dispensed', 'not-dispensed', 'unknown']).toContain(outcome.kind);
        expect(seen.filter((message) => message.type === 'vend')).toEqual([{ type: 'vend', seq: 1, slot: 1 }]);
        expect(seen.filter((message) => message.type !== 'vend').every((message) => message.type === 'status-of' && message.seq === 1)).toBe(true);
        const state = store.findDirectVend('v')?.state;
        expect(state).toBe(outcome.kind === 'unknown' ? 'unknown' : outcome.kind);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
