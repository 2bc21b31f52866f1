/**
 * Versioned catalog, planogram and settings documents for terminals (table `distribution`).
 * Publishing appends version N+1 (never edits an old one); terminals fetch the latest and skip
 * the download when they already hold it. Documents are opaque JSON objects here: the terminal
 * validates them with its own configuration schema before using them.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock.js';
import type { DistributionKind } from '../../sync/protocol/backend-api.js';
import { BackendError } from './backend-error.js';

export interface PublishedDocument {
  readonly kind: DistributionKind;
  readonly version: number;
  readonly publishedAtMs: number;
  readonly document: Record<string, unknown>;
}

export class DistributionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  publish(kind: DistributionKind, document: unknown): PublishedDocument {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new BackendError('bad-request', `a ${kind} document must be a JSON object`);
    }
    const publishedAtMs = this.clock.nowMs();
    const version = this.db.transaction(() => {
      const next = (this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM distribution WHERE kind = ?').get(kind) as { next: number }).next;
      this.db.prepare('INSERT INTO distribution (kind, version, document_json, published_at_ms) VALUES (?, ?, ?, ?)').run(kind, next, JSON.stringify(document), publishedAtMs);
      return next;
    }).immediate();
    return { kind, version, publishedAtMs, document: document as Record<string, unknown> };
  }

  latest(kind: DistributionKind): PublishedDocument | undefined {
    const row = this.db.prepare('SELECT version, document_json, published_at_ms FROM distribution WHERE kind = ? ORDER BY version DESC LIMIT 1').get(kind) as
      | { version: number; document_json: string; published_at_ms: number }
      | undefined;
    return row && { kind, version: row.version, publishedAtMs: row.published_at_ms, document: JSON.parse(row.document_json) as Record<string, unknown> };
  }
}
