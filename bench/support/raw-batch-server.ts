/**
 * The baseline the sync benchmarks measure against: a minimal node:http server on 127.0.0.1 that
 * takes a JSON batch `{ entries: [{ entryId, seq, kind, payload, createdAtMs }] }`, inserts its
 * rows into SQLite (WAL + synchronous=FULL) in one transaction and answers one result per entry.
 * No signing, no validation, no projections: what the hardware does for the same batches.
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawEntry {
  readonly entryId: string;
  readonly seq: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly createdAtMs: number;
}

export interface RawBatchServer {
  /** POST batches here. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startRawBatchServer(dbFile: string): Promise<RawBatchServer> {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS entries (entry_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, payload_json TEXT NOT NULL, created_at_ms INTEGER NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO entries (entry_id, seq, kind, payload_json, created_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT(entry_id) DO NOTHING');
  const store = db.transaction((entries: readonly RawEntry[]) => {
    for (const entry of entries) insert.run(entry.entryId, entry.seq, entry.kind, JSON.stringify(entry.payload), entry.createdAtMs);
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entries: RawEntry[] };
      store.immediate(body.entries);
      const text = JSON.stringify({ results: body.entries.map((entry) => ({ entryId: entry.entryId, status: 'accepted' })) });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/batches`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}

/** Posts ENTRIES to the raw server; throws unless every entry is accepted. Resolves with the request's byte count. */
export async function postRawBatch(url: string, entries: readonly RawEntry[]): Promise<number> {
  const body = JSON.stringify({ entries: entries.map((entry) => ({ entryId: entry.entryId, seq: entry.seq, kind: entry.kind, payload: entry.payload, createdAtMs: entry.createdAtMs })) });
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = (await response.json()) as { results: { status: string }[] };
  if (answer.results.length !== entries.length || answer.results.some((result) => result.status !== 'accepted')) throw new Error('the raw server refused an entry');
  return Buffer.byteLength(body);
}
