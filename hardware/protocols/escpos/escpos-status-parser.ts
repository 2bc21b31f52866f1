/**
 * Reads what an ESC/POS printer sends back: real-time status (`DLE EOT n`, one byte each),
 * paper sensor status (`GS r 1`, one byte) and automatic status back (`GS a`, 4-byte blocks).
 * Pure: no clock; the device decides how long to wait.
 *
 * The bytes are not framed, so the parser is told which replies to expect (`expect`), in the
 * order the queries were sent. Fixed bits tell the reply types apart (Epson ESC/POS reference):
 *   DLE EOT reply   0xx1 xx10  (mask 0x93 → 0x12)
 *   ASB first byte  0xx1 xx00  (mask 0x93 → 0x10), then three bytes 0xx0 xxxx
 *   GS r 1 reply    0xx0 xxxx  (mask 0x90 → 0x00)
 *
 * Contract: `push` accepts chunks of any size and never throws; a byte that fits no expected
 * reply is reported as `invalid` and skipped, leaving the expectations in place (the device's
 * timeout decides when a reply is missing and then calls `forget`).
 */

/** A real-time status query number (`DLE EOT n`). */
export type RealTimeStatusQuery = 1 | 2 | 3 | 4;
export type StatusQuery = { readonly kind: 'real-time'; readonly query: RealTimeStatusQuery } | { readonly kind: 'paper-sensor' };

export type PrinterCondition = 'paper-out' | 'paper-near-end' | 'cover-open' | 'offline' | 'error';

export type StatusReport =
  | { readonly kind: 'real-time'; readonly query: RealTimeStatusQuery; readonly byte: number; readonly conditions: readonly PrinterCondition[] }
  | { readonly kind: 'paper-sensor'; readonly byte: number; readonly conditions: readonly PrinterCondition[] }
  | { readonly kind: 'automatic-status-back'; readonly bytes: Uint8Array; readonly conditions: readonly PrinterCondition[] }
  | { readonly kind: 'invalid'; readonly reason: 'unexpected-byte' | 'bad-fixed-bits'; readonly byte: number };

const bit = (value: number, index: number): boolean => ((value >> index) & 1) === 1;

export function isRealTimeStatusByte(byte: number): boolean {
  return (byte & 0x93) === 0x12;
}

export function isAutomaticStatusBackStart(byte: number): boolean {
  return (byte & 0x93) === 0x10;
}

/** Conditions named by one `DLE EOT n` reply byte. */
export function conditionsFromRealTimeStatus(query: RealTimeStatusQuery, byte: number): PrinterCondition[] {
  const conditions: PrinterCondition[] = [];
  switch (query) {
    case 1:
      if (bit(byte, 3)) conditions.push('offline');
      break;
    case 2:
      if (bit(byte, 2)) conditions.push('cover-open');
      if (bit(byte, 5)) conditions.push('paper-out');
      if (bit(byte, 6)) conditions.push('error');
      break;
    case 3:
      if (bit(byte, 2) || bit(byte, 3) || bit(byte, 5) || bit(byte, 6)) conditions.push('error');
      break;
    case 4:
      if (bit(byte, 2) && bit(byte, 3)) conditions.push('paper-near-end');
      if (bit(byte, 5) && bit(byte, 6)) conditions.push('paper-out');
      break;
  }
  return conditions;
}

/** Conditions named by a `GS r 1` reply byte: bits 0–1 near-end, bits 2–3 paper end. */
export function conditionsFromPaperSensor(byte: number): PrinterCondition[] {
  const conditions: PrinterCondition[] = [];
  if ((byte & 0x03) !== 0) conditions.push('paper-near-end');
  if ((byte & 0x0c) !== 0) conditions.push('paper-out');
  return conditions;
}

/** Conditions named by a 4-byte automatic status back block. */
export function conditionsFromAutomaticStatusBack(bytes: ArrayLike<number>): PrinterCondition[] {
  const [first = 0, second = 0, third = 0] = [bytes[0], bytes[1], bytes[2]];
  const conditions: PrinterCondition[] = [];
  if (bit(first, 3)) conditions.push('offline');
  if (bit(first, 5)) conditions.push('cover-open');
  if (bit(second, 2) || bit(second, 3) || bit(second, 5) || bit(second, 6)) conditions.push('error');
  if ((third & 0x03) !== 0) conditions.push('paper-near-end');
  if ((third & 0x0c) !== 0) conditions.push('paper-out');
  return conditions;
}

export class EscPosStatusParser {
  private readonly expected: StatusQuery[] = [];
  private asb: number[] | null = null;

  /** Called by the device right after it sends a query, in sending order. */
  expect(query: StatusQuery): void {
    this.expected.push(query);
  }

  /** Drops the oldest expectation matching QUERY (its reply timed out). */
  forget(query: StatusQuery): void {
    const index = this.expected.findIndex((candidate) => sameQuery(candidate, query));
    if (index >= 0) this.expected.splice(index, 1);
  }

  get pendingQueries(): number {
    return this.expected.length;
  }

  push(chunk: Uint8Array): StatusReport[] {
    const reports: StatusReport[] = [];
    for (const byte of chunk) {
      const report = this.pushByte(byte);
      if (report) reports.push(report);
    }
    return reports;
  }

  private pushByte(byte: number): StatusReport | null {
    if (this.asb) {
      if ((byte & 0x90) !== 0) {
        this.asb = null;
        return { kind: 'invalid', reason: 'bad-fixed-bits', byte };
      }
      this.asb.push(byte);
      if (this.asb.length < 4) return null;
      const bytes = Uint8Array.from(this.asb);
      this.asb = null;
      return { kind: 'automatic-status-back', bytes, conditions: conditionsFromAutomaticStatusBack(bytes) };
    }
    if (isAutomaticStatusBackStart(byte)) {
      this.asb = [byte];
      return null;
    }
    const next = this.expected[0];
    if (!next) return { kind: 'invalid', reason: 'unexpected-byte', byte };
    if (next.kind === 'real-time') {
      if (!isRealTimeStatusByte(byte)) return { kind: 'invalid', reason: 'bad-fixed-bits', byte };
      this.expected.shift();
      return { kind: 'real-time', query: next.query, byte, conditions: conditionsFromRealTimeStatus(next.query, byte) };
    }
    if ((byte & 0x90) !== 0) return { kind: 'invalid', reason: 'bad-fixed-bits', byte };
    this.expected.shift();
    return { kind: 'paper-sensor', byte, conditions: conditionsFromPaperSensor(byte) };
  }
}

function sameQuery(left: StatusQuery, right: StatusQuery): boolean {
  return left.kind === right.kind && (left.kind !== 'real-time' || (right.kind === 'real-time' && left.query === right.query));
}
