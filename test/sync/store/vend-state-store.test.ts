import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryVendStateStore } from '../../../hardware/vending/memory-vend-state-store.js';
import type { VendStateStore } from '../../../hardware/vending/vend-state-store.js';
import { Journal } from '../../../sync/store/journal.js';
import { SqliteVendStateStore, VendStateStoreError } from '../../../sync/store/vend-state-store.js';

const folders: string[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function journalFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vend-store-'));
  folders.push(folder);
  const file = join(folder, 'journal.sqlite');
  Journal.open(file).close(); // applies the migrations, vending state (version 3) included
  return file;
}

function sqliteStore(file = journalFile()): VendStateStore & { close(): void } {
  // Compiles only while SqliteVendStateStore matches the hardware interface structurally.
  const store: VendStateStore & { close(): void } = SqliteVendStateStore.open(file);
  cleanups.push(() => store.close());
  return store;
}

describe.each([
  ['memory', () => new MemoryVendStateStore() as VendStateStore],
  ['sqlite', () => sqliteStore() as VendStateStore],
])('VendStateStore contract (%s)', (_name, makeStore) => {
  it('allocates sequence numbers per machine, once per vend id', () => {
    const store = makeStore();
    const first = store.beginDirectVend({ vendId: 'a', machineId: 'm1', slot: 4, atMs: 10 });
    expect(first).toEqual({ vendId: 'a', machineId: 'm1', slot: 4, sequence: 1, state: 'vend-pending', reason: null, inspect: false, updatedAtMs: 10 });
    expect(store.beginDirectVend({ vendId: 'a', machineId: 'm1', slot: 4, atMs: 20 }).sequence).toBe(1);
    expect(store.beginDirectVend({ vendId: 'b', machineId: 'm1', slot: 4, atMs: 30 }).sequence).toBe(2);
    expect(store.beginDirectVend({ vendId: 'c', machineId: 'm2', slot: 4, atMs: 30 }).sequence).toBe(1);
  });

  it('updates vend states and lists the open ones', () => {
    const store = makeStore();
    store.beginDirectVend({ vendId: 'a', machineId: 'm', slot: 1, atMs: 1 });
    store.beginDirectVend({ vendId: 'b', machineId: 'm', slot: 2, atMs: 2 });
    expect(store.updateDirectVend('a', { state: 'unknown', reason: 'no answer', atMs: 3 })).toMatchObject({ state: 'unknown', reason: 'no answer', inspect: false });
    expect(store.updateDirectVend('b', { state: 'not-dispensed', reason: 'board-lost-state', inspect: true, atMs: 4 })).toMatchObject({ inspect: true });
    expect(store.updateDirectVend('a', { state: 'dispensing', atMs: 5 }).reason).toBe('no answer');
    expect(store.openDirectVends('m').map((record) => record.vendId)).toEqual(['a']);
    expect(() => store.updateDirectVend('nope', { state: 'dispensed', atMs: 1 })).toThrow(/no direct vend/);
  });

  it('keeps slot health and lists slots out of sale', () => {
    const store = makeStore();
    expect(store.slotHealth('m', 3)).toEqual({ consecutiveFailures: 0, outOfSale: false, reason: null });
    store.saveSlotHealth('m', 3, { consecutiveFailures: 3, outOfSale: true, reason: 'jams' }, 1);
    store.saveSlotHealth('m', 1, { consecutiveFailures: 1, outOfSale: false, reason: null }, 1);
    expect(store.slotsOutOfSale('m')).toEqual([{ slot: 3, reason: 'jams', consecutiveFailures: 3 }]);
    expect(store.slotsOutOfSale('other')).toEqual([]);
  });

  it('keeps MDB reader states and sessions', () => {
    const store = makeStore();
    expect(store.mdbReaderState('a')).toBe('inactive');
    store.saveMdbReaderState('a', 'enabled', 1);
    expect(store.mdbReaderState('a')).toBe('enabled');
    store.recordMdbVend({ vendId: 'v', adapterId: 'a', item: 7, priceMinor: 350, state: 'vend-requested', reason: null, updatedAtMs: 2 });
    expect(() => store.recordMdbVend({ vendId: 'v', adapterId: 'a', item: 7, priceMinor: 350, state: 'vend-requested', reason: null, updatedAtMs: 2 })).toThrow(/already recorded/);
    expect(store.openMdbVends('a').map((record) => record.vendId)).toEqual(['v']);
    expect(store.updateMdbVend('v', { state: 'denied', reason: 'expired', atMs: 3 })).toMatchObject({ state: 'denied', reason: 'expired', priceMinor: 350 });
    expect(store.openMdbVends('a')).toEqual([]);
  });
});

describe('SqliteVendStateStore', () => {
  it('survives closing and reopening the journal file', () => {
    const file = journalFile();
    const first = sqliteStore(file);
    first.beginDirectVend({ vendId: 'a', machineId: 'm', slot: 2, atMs: 1 });
    first.updateDirectVend('a', { state: 'dispensing', atMs: 2 });
    first.saveMdbReaderState('mdb', 'vend', 3);
    first.close();
    const again = sqliteStore(file);
    expect(again.openDirectVends('m')).toEqual([expect.objectContaining({ vendId: 'a', sequence: 1, state: 'dispensing' })]);
    expect(again.beginDirectVend({ vendId: 'b', machineId: 'm', slot: 2, atMs: 4 }).sequence).toBe(2);
    expect(again.mdbReaderState('mdb')).toBe('vend');
  });

  it('wraps the sequence number after 65535, never using 0', () => {
    const file = journalFile();
    const store = sqliteStore(file);
    store.beginDirectVend({ vendId: 'first', machineId: 'm', slot: 1, atMs: 1 });
    const raw = new Database(file);
    raw.prepare("UPDATE vend_sequences SET last_sequence = 65535 WHERE machine_id = 'm'").run();
    raw.close();
    expect(store.beginDirectVend({ vendId: 'wrapped', machineId: 'm', slot: 1, atMs: 2 }).sequence).toBe(1);
  });

  it('refuses a missing file and a journal that has not been migrated', () => {
    const folder = mkdtempSync(join(tmpdir(), 'vend-store-'));
    folders.push(folder);
    const file = join(folder, 'plain.sqlite');
    expect(() => SqliteVendStateStore.open(file)).toThrow();
    new Database(file).close();
    expect(() => SqliteVendStateStore.open(file)).toThrow(VendStateStoreError);
    Journal.open(file).close();
    const store = SqliteVendStateStore.open(file);
    store.close();
  });
});
