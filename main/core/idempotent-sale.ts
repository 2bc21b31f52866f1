/**
 * Idempotent sales (`idempotencyKey` on `sale.startPayment` and `sale.payCash`): a client that did
 * not get an answer sends the same request again with the same key and gets the same sale, never a
 * second one.
 *
 * The key decides the order id (a UUID-shaped digest of the terminal id and the key), so the
 * journal's primary key on orders makes "one sale per key" atomic with the sale itself: no separate
 * table to write, nothing to lose between two writes, and two copies of a request racing each
 * other cannot both record. A replay answers with the recorded sale; the same key with another
 * amount or method is a `conflict`.
 */
import { createHash } from 'node:crypto';
import type { IntentRecord } from '../../sync/store/journal.js';

/** The order id a sale with KEY gets on TERMINALID (RFC 9562 version 8 layout, from SHA-256). */
export function orderIdForIdempotencyKey(terminalId: string, key: string): string {
  const hex = createHash('sha256').update(`sale\u0000${terminalId}\u0000${key}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface RecordedSale {
  readonly receiptNumber: string;
  readonly totalMinor: number;
  readonly payment: IntentRecord;
}

export type ReplayVerdict = { readonly kind: 'same-sale'; readonly sale: RecordedSale } | { readonly kind: 'different-sale'; readonly message: string };

/** Whether RECORDED is the sale a request for TOTALMINOR by METHOD asked for (a scanned code may have become an offline-code payment). */
export function judgeReplay(recorded: RecordedSale, requested: { readonly totalMinor: number; readonly method: 'qr' | 'code' | 'cash' }): ReplayVerdict {
  const methodMatches = requested.method === 'code' ? recorded.payment.method === 'code' || recorded.payment.method === 'offline-code' : recorded.payment.method === requested.method;
  if (recorded.totalMinor === requested.totalMinor && methodMatches) return { kind: 'same-sale', sale: recorded };
  return {
    kind: 'different-sale',
    message: `this idempotency key was already used for sale ${recorded.receiptNumber} (${recorded.payment.method}, ${recorded.totalMinor} fen); use a new key for a new sale`,
  };
}
