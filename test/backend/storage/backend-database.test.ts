import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendDatabaseError, openBackendDatabase } from '../../../backend/storage/backend-database.js';
import { latestBackendVersion } from '../../../backend/storage/backend-migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backend-db-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openBackendDatabase', () => {
  it('creates the schema with WAL and synchronous=FULL, and reopens without migrating again', () => {
    const file = join(dir, 'backend.sqlite');
    const db = openBackendDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(latestBackendVersion);
    db.prepare("INSERT INTO terminals (id, name, secret, enrolled_at_ms) VALUES ('T-1', 'n', 's', 1)").run();
    db.close();
    const again = openBackendDatabase(file);
    expect((again.prepare('SELECT COUNT(*) AS n FROM terminals').get() as { n: number }).n).toBe(1);
    again.close();
  });

  it('refuses a schema newer than this build, leaving the file untouched', () => {
    const file = join(dir, 'newer.sqlite');
    const newer = new Database(file);
    newer.pragma(`user_version = ${latestBackendVersion + 1}`);
    newer.close();
    const before = readFileSync(file);
    expect(() => openBackendDatabase(file)).toThrow(expect.objectContaining({ name: 'BackendDatabaseError', code: 'schema-too-new' }));
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not SQLite', () => {
    const file = join(dir, 'garbage.sqlite');
    writeFileSync(file, 'this is not a database, just text that is long enough to have a header page'.repeat(100));
    let thrown: unknown;
    try {
      openBackendDatabase(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BackendDatabaseError);
    expect((thrown as BackendDatabaseError).code).toBe('corrupt');
  });
});
