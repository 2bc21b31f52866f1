/**
 * Uploads outbox batches to `POST /v1/journal/batches` for the sync client. Transport failures
 * become `SyncTransportError` (the whole batch is sent again later; the backend answers replays
 * with the saved result), per-entry outcomes become `UploadEntryResult`s.
 */
import { backendRoutes, journalBatchResponseSchema, maxJournalBatchEntries, terminalInfoResponseSchema } from '../protocol/backend-api.js';
import type { OutboxEntry } from '../store/journal.js';
import { BackendCallError, type BackendHttpClient } from './backend-http-client.js';
import { SyncTransportError, type OutboxUploader, type UploadEntryResult } from './sync-client.js';

export class JournalUploader implements OutboxUploader {
  constructor(
    private readonly client: BackendHttpClient,
    private readonly timeoutMs = 30_000,
  ) {}

  async ping(): Promise<void> {
    try {
      await this.client.call('GET', backendRoutes.terminalInfo.path, terminalInfoResponseSchema, { timeoutMs: 5_000 });
    } catch (error) {
      throw toTransportError(error);
    }
  }

  async upload(entries: readonly OutboxEntry[]): Promise<readonly UploadEntryResult[]> {
    if (entries.length > maxJournalBatchEntries) throw new SyncTransportError('bad-response', `a batch holds at most ${maxJournalBatchEntries} entries`);
    let response;
    try {
      response = await this.client.call('POST', backendRoutes.uploadJournal.path, journalBatchResponseSchema, {
        body: { entries: entries.map((entry) => ({ entryId: entry.entryId, seq: entry.seq, kind: entry.kind, payload: entry.payload, createdAtMs: entry.createdAtMs })) },
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      throw toTransportError(error);
    }
    const body = response.body;
    if (!body) throw new SyncTransportError('bad-response', 'the journal upload got an empty answer');
    return body.results.map((result) => ({
      entryId: result.entryId,
      status: result.status,
      retryable: result.error?.retryable ?? false,
      error: result.error ? `${result.error.code}: ${result.error.message}` : null,
      offlinePayment: result.offlinePayment && { paymentId: result.offlinePayment.paymentId, status: result.offlinePayment.status, rejection: result.offlinePayment.rejection, firstSpentByPaymentId: result.offlinePayment.firstSpentByPaymentId },
    }));
  }
}

function toTransportError(error: unknown): unknown {
  if (!(error instanceof BackendCallError)) return error;
  const kind = error.kind === 'unreachable' || error.kind === 'timeout' || error.kind === 'server-error' ? error.kind : error.kind === 'duplicate-delivery' ? 'bad-response' : error.kind === 'rejected' || error.kind === 'clock-skew' ? 'unauthorized' : 'bad-response';
  return new SyncTransportError(kind, error.message);
}
