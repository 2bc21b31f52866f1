/** The PrintJobStore contract as shared tests, run against every implementation. */
import { expect, it } from 'vitest';
import type { PrintJobStore } from '../../../hardware/printers/print-job-store.js';

export function describePrintJobStoreContract(create: () => PrintJobStore): void {
  it('adds a job once per id and lists pending jobs oldest first', () => {
    const store = create();
    expect(store.add({ id: 'b', description: 'receipt b', bytes: Uint8Array.of(1, 2) }, 100)).toBe(true);
    expect(store.add({ id: 'a', description: 'receipt a', bytes: Uint8Array.of(3) }, 200)).toBe(true);
    expect(store.add({ id: 'b', description: 'other', bytes: Uint8Array.of(9) }, 300)).toBe(false);
    expect(store.pending().map((job) => job.id)).toEqual(['b', 'a']);
    expect(store.get('b')).toEqual({ id: 'b', description: 'receipt b', bytes: Uint8Array.of(1, 2), state: 'pending', attempts: 0, lastError: null, createdAtMs: 100, printedAtMs: null });
  });

  it('counts failures and marks printed exactly once', () => {
    const store = create();
    store.add({ id: 'j', description: 'j', bytes: Uint8Array.of(1) }, 1);
    store.recordFailure('j', 'paper-out: no paper', 2);
    expect(store.get('j')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'paper-out: no paper' });
    store.markPrinted('j', 3);
    expect(store.get('j')).toMatchObject({ state: 'printed', attempts: 2, lastError: null, printedAtMs: 3 });
    store.markPrinted('j', 4);
    store.recordFailure('j', 'late', 5);
    expect(store.get('j')).toMatchObject({ state: 'printed', attempts: 2, printedAtMs: 3 });
    expect(store.pending()).toEqual([]);
  });

  it('ignores unknown ids', () => {
    const store = create();
    store.markPrinted('nope', 1);
    store.recordFailure('nope', 'x', 1);
    expect(store.get('nope')).toBeUndefined();
  });
}
