import { describe, expect, it } from 'vitest';
import { MemoryPrintJobStore } from '../../../hardware/printers/memory-print-job-store.js';
import { describePrintJobStoreContract } from './print-job-store-contract.js';

describe('MemoryPrintJobStore', () => {
  describePrintJobStoreContract(() => new MemoryPrintJobStore());

  it('keeps its own copy of the job bytes', () => {
    const store = new MemoryPrintJobStore();
    const bytes = Uint8Array.of(1, 2, 3);
    store.add({ id: 'a', description: 'a', bytes }, 1);
    bytes[0] = 9;
    expect(store.get('a')?.bytes).toEqual(Uint8Array.of(1, 2, 3));
  });
});
