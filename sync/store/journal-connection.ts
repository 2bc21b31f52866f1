/**
 * A second connection to the journal file for a store that keeps its own tables there (print
 * jobs, vending state). The file must exist and already be migrated by `Journal.open`; the
 * connection gets the journal's durability settings (WAL, synchronous=FULL).
 * `tooNew(message)` builds the store's own error for a journal newer than this build.
 */
import Database from 'better-sqlite3';
import { latestJournalVersion } from './journal-migrations.js';

export function openJournalConnection(file: string, tooNew: (message: string) => Error): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > latestJournalVersion) throw tooNew(`the journal ${file} has schema version ${version}, newer than this build (${latestJournalVersion})`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
