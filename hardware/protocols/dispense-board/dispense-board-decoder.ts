/**
 * Incremental decoder for dispense-board frames (see dispense-board-frame.ts). Feed it bytes as
 * they arrive, in any chunking; it returns whole messages and typed errors and never throws.
 *
 * Contract:
 * - Bytes before a header are reported once per run as 'garbage' and dropped.
 * - A frame with an impossible LEN ('bad-length') or a wrong CRC ('bad-checksum') is rejected
 *   and the decoder resyncs from the byte after its header, so a real frame hidden behind a
 *   false header is still found.
 * - A frame with a good CRC but an unknown command or a malformed payload is dropped whole
 *   ('unknown-command' / 'bad-payload').
 * - An incomplete frame stays buffered (at most 41 bytes); `flush()` (the caller decided the line
 *   went quiet) reports it as 'truncated' and empties the buffer.
 */
import { crc16CcittFalse } from '../../../kernel/crc16-ccitt-false.js';
import {
  boardCommandCodes,
  boardFrameHeader,
  formatHex,
  maxBoardPayloadBytes,
  nakReasonCodes,
  type BoardMessage,
  type BoardMessageType,
  type BoardRequestType,
  type NakReason,
} from './dispense-board-frame.js';

export type BoardFrameErrorCode = 'garbage' | 'bad-length' | 'bad-checksum' | 'unknown-command' | 'bad-payload' | 'truncated';

export interface BoardFrameError {
  readonly code: BoardFrameErrorCode;
  readonly message: string;
  /** The bytes this error discarded. */
  readonly bytes: Uint8Array;
}

export type BoardDecodeResult = { readonly ok: true; readonly message: BoardMessage } | { readonly ok: false; readonly error: BoardFrameError };

const typeByCode = new Map<number, BoardMessageType>(Object.entries(boardCommandCodes).map(([type, code]) => [code, type as BoardMessageType]));
const nakByCode = new Map<number, NakReason>(Object.entries(nakReasonCodes).map(([reason, code]) => [code, reason as NakReason]));
const [headerFirst, headerSecond] = boardFrameHeader;
const minLen = 4;
const maxLen = 4 + maxBoardPayloadBytes;

function failure(code: BoardFrameErrorCode, bytes: Uint8Array, detail: string): BoardDecodeResult {
  return { ok: false, error: { code, bytes, message: `${detail} (${formatHex(bytes.subarray(0, 48))}${bytes.length > 48 ? ' …' : ''})` } };
}

/** Parses the fields of a frame whose length and CRC are already good. */
function parseFrame(frame: Uint8Array): BoardDecodeResult {
  const len = frame[2] ?? 0;
  const seq = ((frame[3] ?? 0) << 8) | (frame[4] ?? 0);
  const code = frame[5] ?? 0;
  const slot = frame[6] ?? 0;
  const payload = frame.subarray(7, 3 + len);
  const type = typeByCode.get(code);
  if (type === undefined) return failure('unknown-command', frame, `unknown command 0x${code.toString(16).padStart(2, '0')}`);
  const bad = (why: string) => failure('bad-payload', frame, `${type}: ${why}`);
  const expectedPayload = type === 'ack' || type === 'nak' ? 1 : type === 'board-status' ? 4 : 0;
  if (payload.length !== expectedPayload) return bad(`payload of ${payload.length} bytes, expected ${expectedPayload}`);
  let message: BoardMessage;
  switch (type) {
    case 'vend':
      if (seq === 0 || slot === 0) return bad('sequence number and slot must not be 0');
      message = { type, seq, slot };
      break;
    case 'status-of':
      if (seq === 0) return bad('sequence number must not be 0');
      message = { type, seq };
      break;
    case 'board-status-request':
    case 'reset':
      message = { type };
      break;
    case 'ack': {
      const acked = typeByCode.get(payload[0] ?? 0);
      if (acked !== 'vend' && acked !== 'status-of' && acked !== 'board-status-request' && acked !== 'reset') return bad('acknowledges an unknown command');
      message = { type, seq, slot, acked: acked satisfies BoardRequestType };
      break;
    }
    case 'nak': {
      const reason = nakByCode.get(payload[0] ?? 0);
      if (reason === undefined) return bad(`unknown NAK reason 0x${(payload[0] ?? 0).toString(16)}`);
      message = { type, seq, slot, reason };
      break;
    }
    case 'board-status': {
      const flags = payload[1] ?? 0;
      message = { type, slotCount: payload[0] ?? 0, justReset: (flags & 0x01) !== 0, dropSensorFault: (flags & 0x02) !== 0, lastSeq: ((payload[2] ?? 0) << 8) | (payload[3] ?? 0) };
      break;
    }
    default:
      message = { type, seq, slot };
  }
  return { ok: true, message };
}

export class DispenseBoardDecoder {
  private buffer = new Uint8Array(0);

  get bufferedBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): BoardDecodeResult[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    let data = joined;
    const results: BoardDecodeResult[] = [];
    for (;;) {
      const start = findHeader(data);
      if (start < 0) {
        // Keep a trailing first header byte: its partner may be in the next chunk.
        const keep = data.length > 0 && data[data.length - 1] === headerFirst ? 1 : 0;
        if (data.length - keep > 0) results.push(failure('garbage', data.slice(0, data.length - keep), `${data.length - keep} bytes outside any frame`));
        data = data.slice(data.length - keep);
        break;
      }
      if (start > 0) {
        results.push(failure('garbage', data.slice(0, start), `${start} bytes outside any frame`));
        data = data.subarray(start);
      }
      if (data.length < 3) break;
      const len = data[2] ?? 0;
      if (len < minLen || len > maxLen) {
        results.push(failure('bad-length', data.slice(0, 3), `length byte ${len} outside ${minLen}..${maxLen}`));
        data = data.subarray(1);
        continue;
      }
      const total = 3 + len + 2;
      if (data.length < total) break;
      const expected = crc16CcittFalse(data.subarray(2, 3 + len));
      const received = ((data[3 + len] ?? 0) << 8) | (data[4 + len] ?? 0);
      if (expected !== received) {
        results.push(failure('bad-checksum', data.slice(0, total), `checksum 0x${received.toString(16).padStart(4, '0')}, expected 0x${expected.toString(16).padStart(4, '0')}`));
        data = data.subarray(1);
        continue;
      }
      results.push(parseFrame(data.slice(0, total)));
      data = data.subarray(total);
    }
    this.buffer = data.slice();
    return results;
  }

  /** The line went quiet: whatever is buffered is a truncated frame. */
  flush(): BoardDecodeResult[] {
    if (this.buffer.length === 0) return [];
    const bytes = this.buffer;
    this.buffer = new Uint8Array(0);
    return [failure('truncated', bytes, `frame cut off after ${bytes.length} bytes`)];
  }
}

function findHeader(data: Uint8Array): number {
  for (let index = 0; index + 1 < data.length; index += 1) {
    if (data[index] === headerFirst && data[index + 1] === headerSecond) return index;
  }
  return -1;
}
