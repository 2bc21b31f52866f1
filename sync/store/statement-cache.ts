/**
 * Prepared statements by SQL text, one per text per connection. Preparing is SQL parsing and
 * planning in SQLite: done on every call it cost more than the insert it prepared (profiles in
 * docs/benchmarks.md), so the stores prepare each text once and reuse it.
 */
import type Database from 'better-sqlite3';

export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** The statement for SQL, prepared on first use. */
  get(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
