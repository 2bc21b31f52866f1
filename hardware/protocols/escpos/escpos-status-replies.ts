/**
 * The reply bytes a printer in a given state sends to each status query: the inverse of
 * escpos-status-parser.ts, used by the printer simulator and by tests. Pure.
 */
import type { RealTimeStatusQuery } from './escpos-status-parser.js';

export interface PrinterMechanismState {
  readonly paperOut: boolean;
  readonly paperNearEnd: boolean;
  readonly coverOpen: boolean;
  readonly error: boolean;
}

/** A printer with an open cover, no paper or an error is offline (Epson behaviour). */
export function isOffline(state: PrinterMechanismState): boolean {
  return state.paperOut || state.coverOpen || state.error;
}

/** One byte answering `DLE EOT n` (fixed bits 0x12). */
export function realTimeStatusReply(query: RealTimeStatusQuery, state: PrinterMechanismState): number {
  let byte = 0x12;
  switch (query) {
    case 1:
      if (isOffline(state)) byte |= 0x08;
      break;
    case 2:
      if (state.coverOpen) byte |= 0x04;
      if (state.paperOut) byte |= 0x20;
      if (state.error) byte |= 0x40;
      break;
    case 3:
      if (state.error) byte |= 0x20;
      break;
    case 4:
      if (state.paperNearEnd || state.paperOut) byte |= 0x0c;
      if (state.paperOut) byte |= 0x60;
      break;
  }
  return byte;
}

/** One byte answering `GS r 1`. */
export function paperSensorReply(state: PrinterMechanismState): number {
  return (state.paperNearEnd || state.paperOut ? 0x03 : 0) | (state.paperOut ? 0x0c : 0);
}

/** The 4-byte automatic status back block. */
export function automaticStatusBackReply(state: PrinterMechanismState): Uint8Array {
  return Uint8Array.from([
    0x10 | (isOffline(state) ? 0x08 : 0) | (state.coverOpen ? 0x20 : 0),
    state.error ? 0x20 : 0,
    (state.paperNearEnd || state.paperOut ? 0x03 : 0) | (state.paperOut ? 0x0c : 0),
    0,
  ]);
}
