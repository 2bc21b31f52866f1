/**
 * The byte pipe every device driver talks through: serial, USB HID, TCP, file (USB printer
 * class) or an in-process simulator. Drivers never know which.
 *
 * Error rules:
 * - `open()` rejects with `TransportError` ('not-found' | 'busy' | 'permission' | 'io').
 * - `write()` resolves once the bytes are handed to the OS (drained for serial); it rejects with
 *   `TransportError('closed')` after close or disconnect, and never silently drops bytes.
 * - A cable pull, device reset or peer close emits exactly one `disconnect` with the cause, after
 *   which the transport is closed; reopening is the owner's decision (see device reconnect).
 * - `close()` is idempotent and never rejects.
 */

export type TransportErrorCode = 'not-found' | 'busy' | 'permission' | 'closed' | 'timeout' | 'io';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    readonly retryable: boolean = code !== 'permission',
  ) {
    super(message);
  }
}

export interface TransportEvents {
  data: (chunk: Uint8Array) => void;
  disconnect: (cause: TransportError) => void;
}

export interface Transport {
  /** Human-readable address for logs and errors, e.g. `serial:/dev/ttyUSB0`. */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void;
}
