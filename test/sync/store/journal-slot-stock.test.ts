import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../sync/store/journal.js';

const opened: Journal[] = [];
afterEach(() => {
  for (const journal of opened.splice(0)) journal.close();
});

function open(file = join(mkdtempSync(join(tmpdir(), 'slot-stock-')), 'journal.sqlite')): Journal {
  let nowMs = 1_000;
  const journal = Journal.open(file, { nowMs: () => (nowMs += 1) });
  opened.push(journal);
  return journal;
}

describe('Journal: live slot stock (migration 4) and atomic groups of changes', () => {
  it('seeds only slots it does not know, keeps live counts across a reopen, and announces both in the outbox', () => {
    const journal = open();
    expect(journal.seedSlotStock([{ slot: 1, stock: 3 }, { slot: 2, stock: 0 }])).toEqual([1, 2]);
    expect(journal.takeFromSlotStock(1, { vendIntentId: 'v-1' })).toBe(2);
    journal.close();
    const again = open(journal.file);
    // A planogram saying 3 again does not undo the sale; a new slot is added.
    expect(again.seedSlotStock([{ slot: 1, stock: 3 }, { slot: 7, stock: 4 }])).toEqual([7]);
    expect([...again.slotStock()]).toEqual([
      [1, 2],
      [2, 0],
      [7, 4],
    ]);
    expect(again.pendingOutbox(10).map((entry) => entry.kind)).toEqual(['slot-stock.seeded', 'slot-stock.changed', 'slot-stock.seeded']);
    expect(again.pendingOutbox(10)[1]?.payload).toMatchObject({ slot: 1, deltaQuantity: -1, quantity: 2, detail: { vendIntentId: 'v-1' } });
  });

  it('never takes below zero or from an unknown slot, and then writes nothing', () => {
    const journal = open();
    journal.seedSlotStock([{ slot: 2, stock: 0 }]);
    expect(journal.takeFromSlotStock(2)).toBeUndefined();
    expect(journal.takeFromSlotStock(9)).toBeUndefined();
    expect(journal.slotStock().get(2)).toBe(0);
    expect(journal.pendingOutbox(10).map((entry) => entry.kind)).toEqual(['slot-stock.seeded']);
  });

  it('atomically: a throw rolls back every change made inside, intents and stock alike', () => {
    const journal = open();
    journal.seedSlotStock([{ slot: 1, stock: 5 }]);
    journal.createIntent({ id: 'vend-1', kind: 'vend', orderId: null, method: 'direct-drive', amountMinor: 450, state: 'vend-pending', isFinal: false, detail: { slot: 1 } });
    const depth = journal.outboxStats().depth;
    expect(() =>
      journal.atomically(() => {
        journal.transitionIntent('vend-1', { from: 'vend-pending', to: 'dispensed', isFinal: true });
        journal.takeFromSlotStock(1);
        // Same id as an existing intent: the insert fails.
        journal.createIntent({ id: 'vend-1', kind: 'refund', orderId: null, method: 'qr', amountMinor: 450, state: 'refund-requested', isFinal: false });
      }),
    ).toThrow();
    expect(journal.getIntent('vend-1').state).toBe('vend-pending');
    expect(journal.slotStock().get(1)).toBe(5);
    expect(journal.outboxStats().depth).toBe(depth);

    journal.atomically(() => {
      journal.transitionIntent('vend-1', { from: 'vend-pending', to: 'dispensed', isFinal: true });
      journal.takeFromSlotStock(1);
    });
    expect(journal.getIntent('vend-1').state).toBe('dispensed');
    expect(journal.slotStock().get(1)).toBe(4);
  });
});
