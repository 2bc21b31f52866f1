/**
 * Opens the backend's SQLite file: WAL, synchronous=FULL (a committed payment or refund survives
 * power loss), foreign keys on, then applies `backendMigrations` in order, each in one transaction.
 * Throws `BackendDatabaseError` for an unreadable/corrupt file or a schema newer than this build,
 * leaving the file unmodified in those cases.
 */
import Database from 'better-sqlite3';
import { backendMigrations, latestBackendVersion } from './backend-migrations.js';

export type BackendDatabaseErrorCode = 'unreadable' | 'corrupt' | 'schema-too-new' | 'migration-failed';

export class BackendDatabaseError extends Error {
  override readonly name = 'BackendDatabaseError';
  constructor(
    readonly code: BackendDatabaseErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

export function openBackendDatabase(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new BackendDatabaseError('unreadable', file, `cannot open the backend database ${file}: ${(error as Error).message}`);
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackendDatabaseError('corrupt', file, `the backend database ${file} failed its integrity check (${String(check)}); it was not modified`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > latestBackendVersion) {
      throw new BackendDatabaseError('schema-too-new', file, `the backend database ${file} has schema version ${version}, newer than this build understands (${latestBackendVersion}); it was not modified`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    for (const migration of backendMigrations) {
      if (migration.version <= version) continue;
      try {
        db.transaction(() => {
          db.exec(migration.sql);
          db.pragma(`user_version = ${migration.version}`);
        }).immediate();
      } catch (error) {
        throw new BackendDatabaseError('migration-failed', file, `migrating ${file} to schema version ${migration.version} (${migration.description}) failed: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    db.close();
    if (error instanceof BackendDatabaseError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new BackendDatabaseError('corrupt', file, `${file} is not a readable SQLite database (${(error as Error).message}); it was not modified`);
    }
    throw new BackendDatabaseError('unreadable', file, `cannot read the backend database ${file}: ${(error as Error).message}`);
  }
  return db;
}
