/**
 * Why a printer did not (provably) print. Every code except 'rejected' may clear by itself or by
 * a person (load paper, close the cover, plug the cable back), so the job stays queued.
 */
export type PrinterErrorCode =
  /** The printer reports no paper. */
  | 'paper-out'
  | 'cover-open'
  /** The printer reports a mechanical, cutter or unrecoverable error. */
  | 'error'
  /** The printer is connected but did not answer a status query in time (or reports offline). */
  | 'offline'
  /** The transport is closed, could not be opened, or was lost mid-job. */
  | 'disconnected'
  /** The job bytes themselves are unusable (empty). Not retryable. */
  | 'rejected';

export class PrinterError extends Error {
  override readonly name = 'PrinterError';
  constructor(
    readonly code: PrinterErrorCode,
    message: string,
    readonly retryable: boolean = code !== 'rejected',
  ) {
    super(message);
  }
}

/** The one-line reason a technician reads, per code. */
export const printerErrorAdvice: Record<PrinterErrorCode, string> = {
  'paper-out': 'the printer is out of paper; load a new roll',
  'cover-open': 'the printer cover is open; close it',
  error: 'the printer reports an error (cutter jam or mechanism); clear it and power-cycle the printer',
  offline: 'the printer does not answer; check power, cable and the printer profile',
  disconnected: 'the printer is not connected; check the cable and the device address',
  rejected: 'the print job is unusable',
};
