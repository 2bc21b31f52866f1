/**
 * Dispense-board wire format (spiral-motor boards on RS-232/485): pure encoding of the messages
 * host and board exchange. The full format, with hex examples, is in docs/dispense-board-protocol.md.
 *
 *   A5 5A | LEN | SEQ_HI SEQ_LO | CMD | SLOT | PAYLOAD (0..32) | CRC_HI CRC_LO
 *
 * LEN counts SEQ..PAYLOAD (4 + payload length). CRC is CRC-16/CCITT-FALSE over LEN..PAYLOAD.
 * Why a CRC and not an XOR byte: motor brushes put burst noise on the line; CRC-16 detects every
 * burst up to 16 bits and all odd bit-error counts, where XOR misses any two flips in the same
 * bit column; and a resyncing decoder that lands on garbage accepts a false frame with
 * probability 1/65536 instead of 1/256.
 *
 * Sequence numbers: every vend carries a host-chosen sequence number (1..65535). The board keeps
 * the outcome of recent vends by sequence number; a VEND repeating a known sequence number
 * returns that vend's status and never dispenses again. STATUS-OF never dispenses.
 */
import { crc16CcittFalse } from '../../../kernel/crc16-ccitt-false.js';

export const boardFrameHeader = [0xa5, 0x5a] as const;
export const maxBoardPayloadBytes = 32;
/** Bytes before the payload (header, LEN, SEQ, CMD, SLOT) and after it (CRC). */
export const boardFrameOverheadBytes = 9;

export const boardCommandCodes = {
  vend: 0x01,
  'status-of': 0x02,
  'board-status-request': 0x03,
  reset: 0x04,
  ack: 0x80,
  nak: 0x81,
  dispensed: 0x82,
  'motor-fault': 0x83,
  jam: 0x84,
  'no-drop': 0x85,
  'unknown-sequence': 0x86,
  'in-progress': 0x87,
  'board-status': 0x88,
} as const;

export type BoardMessageType = keyof typeof boardCommandCodes;
export type BoardRequestType = 'vend' | 'status-of' | 'board-status-request' | 'reset';

/** Final or interim state of one vend, as the board reports it (to VEND, a resent VEND or STATUS-OF). */
export const vendStatusTypes = ['dispensed', 'motor-fault', 'jam', 'no-drop', 'unknown-sequence', 'in-progress'] as const;
export type VendStatusType = (typeof vendStatusTypes)[number];

export const nakReasonCodes = { 'bad-slot': 0x01, busy: 0x02, 'bad-command': 0x03, 'bad-sequence': 0x04 } as const;
export type NakReason = keyof typeof nakReasonCodes;

export type BoardMessage =
  /** Host → board: turn SLOT's spiral once; SEQ (1..65535) identifies this vend for ever after. */
  | { readonly type: 'vend'; readonly seq: number; readonly slot: number }
  /** Host → board: what happened to vend SEQ? Never dispenses. */
  | { readonly type: 'status-of'; readonly seq: number }
  | { readonly type: 'board-status-request' }
  /** Host → board: reboot the controller (forgets vend history: later STATUS-OF answers unknown-sequence). */
  | { readonly type: 'reset' }
  /** Board → host: command accepted (for VEND: the motor is starting). */
  | { readonly type: 'ack'; readonly seq: number; readonly slot: number; readonly acked: BoardRequestType }
  /** Board → host: command refused; nothing was done. */
  | { readonly type: 'nak'; readonly seq: number; readonly slot: number; readonly reason: NakReason }
  | { readonly type: VendStatusType; readonly seq: number; readonly slot: number }
  | { readonly type: 'board-status'; readonly slotCount: number; readonly justReset: boolean; readonly dropSensorFault: boolean; readonly lastSeq: number };

export class BoardEncodeError extends Error {
  override readonly name = 'BoardEncodeError';
}

const requestTypes: readonly BoardRequestType[] = ['vend', 'status-of', 'board-status-request', 'reset'];

function checkByte(value: number, what: string, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > 0xff) throw new BoardEncodeError(`${what} must be an integer ${min}..255, got ${String(value)}`);
  return value;
}

function checkSeq(value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > 0xffff) throw new BoardEncodeError(`sequence number must be an integer ${min}..65535, got ${String(value)}`);
  return value;
}

function fields(message: BoardMessage): { seq: number; slot: number; payload: number[] } {
  switch (message.type) {
    case 'vend':
      return { seq: checkSeq(message.seq, 1), slot: checkByte(message.slot, 'slot', 1), payload: [] };
    case 'status-of':
      return { seq: checkSeq(message.seq, 1), slot: 0, payload: [] };
    case 'board-status-request':
    case 'reset':
      return { seq: 0, slot: 0, payload: [] };
    case 'ack':
      return { seq: checkSeq(message.seq), slot: checkByte(message.slot, 'slot'), payload: [boardCommandCodes[message.acked]] };
    case 'nak':
      return { seq: checkSeq(message.seq), slot: checkByte(message.slot, 'slot'), payload: [nakReasonCodes[message.reason]] };
    case 'board-status': {
      const flags = (message.justReset ? 0x01 : 0) | (message.dropSensorFault ? 0x02 : 0);
      const lastSeq = checkSeq(message.lastSeq);
      return { seq: 0, slot: 0, payload: [checkByte(message.slotCount, 'slot count'), flags, lastSeq >> 8, lastSeq & 0xff] };
    }
    default:
      return { seq: checkSeq(message.seq), slot: checkByte(message.slot, 'slot'), payload: [] };
  }
}

/** The bytes of one frame. Throws `BoardEncodeError` only for out-of-range fields (a caller bug). */
export function encodeBoardMessage(message: BoardMessage): Uint8Array {
  const { seq, slot, payload } = fields(message);
  const body = Uint8Array.from([4 + payload.length, seq >> 8, seq & 0xff, boardCommandCodes[message.type], slot, ...payload]);
  const crc = crc16CcittFalse(body);
  return Uint8Array.from([...boardFrameHeader, ...body, crc >> 8, crc & 0xff]);
}

export function isBoardRequestType(type: string): type is BoardRequestType {
  return (requestTypes as readonly string[]).includes(type);
}

/** Lower-case hex with spaces, `a5 5a 04 …`, for logs and error messages. */
export function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}
