/**
 * Serial transport over the `serialport` package (USB-serial, RS-232/485, CDC-ACM, and the
 * socat pseudo-terminals the simulators use).
 *
 * Follows the Transport rules of transport.ts; serial specifics:
 * - `open()` maps the OS error: ENOENT → 'not-found', EBUSY / "Cannot lock port" → 'busy',
 *   EACCES / EPERM → 'permission' (not retryable: fix the udev rule or group), else 'io'.
 * - `write()` resolves after the bytes are written AND drained (tcdrain), so a following
 *   status query is not overtaken.
 * - A port closed by anything but our own `close()` (USB unplug, PTY peer gone, read error)
 *   emits exactly one `disconnect` with TransportError 'io'.
 * - Hang-up probe: when the other side of a tty hangs up at the wrong moment, the serialport
 *   binding (bindings-cpp 13, unix-read) sees endless end-of-file instead of an error and never
 *   reports the loss (seen with socat PTYs under load). So while open, the transport asks the
 *   line for its baud rate (an ioctl, no bytes on the wire) every `hangupCheckMs` (default
 *   1000); a failure is treated as the disconnect.
 */
import { SerialPort } from 'serialport';
import { TransportError, type Transport, type TransportEvents } from './transport.js';
import { TransportListeners } from './transport-listeners.js';

export interface SerialTransportOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  readonly stopBits?: 1 | 2;
  /** Period of the hang-up probe; 0 turns it off. Default 1000 ms. */
  readonly hangupCheckMs?: number;
}

/** Maps an error from serialport/the OS to the Transport error codes. Exported for tests. */
export function serialOpenError(path: string, error: unknown): TransportError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = `serial:${path}: ${message}`;
  if (code === 'ENOENT' || /ENOENT|No such file/i.test(message)) return new TransportError('not-found', text);
  if (code === 'EBUSY' || /EBUSY|Cannot lock port|Resource temporarily unavailable/i.test(message)) return new TransportError('busy', text);
  if (code === 'EACCES' || code === 'EPERM' || /EACCES|EPERM|Permission denied/i.test(message)) {
    return new TransportError('permission', `${text} (add the user to the dialout group or install a udev rule)`);
  }
  return new TransportError('io', text);
}

export class SerialTransport implements Transport {
  readonly description: string;
  private readonly listeners = new TransportListeners();
  private port: SerialPort | undefined;
  /** True while the current port is ours to close; false once closed or disconnected. */
  private live = false;
  private hangupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SerialTransportOptions) {
    this.description = `serial:${options.path}`;
  }

  get isOpen(): boolean {
    return this.live;
  }

  async open(): Promise<void> {
    if (this.live) return;
    const port = new SerialPort({
      path: this.options.path,
      baudRate: this.options.baudRate,
      dataBits: this.options.dataBits ?? 8,
      parity: this.options.parity ?? 'none',
      stopBits: this.options.stopBits ?? 1,
      autoOpen: false,
      lock: true,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((error) => (error ? reject(serialOpenError(this.options.path, error)) : resolve()));
    });
    this.port = port;
    this.live = true;
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.listeners.emitData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    port.on('error', (error: Error) => {
      // Stream errors (failed read/write) are followed by 'close' for disconnects; a failed write
      // is also reported to its own caller, so here it only ends the port if it is not already ending.
      if (this.port === port && this.live && !port.isOpen) this.lost(port, error);
    });
    port.on('close', (error: Error | null) => {
      if (this.port === port && this.live) this.lost(port, error ?? new Error('port closed'));
    });
    const hangupCheckMs = this.options.hangupCheckMs ?? 1000;
    if (hangupCheckMs > 0) this.scheduleHangupCheck(port, hangupCheckMs);
  }

  private scheduleHangupCheck(port: SerialPort, periodMs: number): void {
    this.hangupTimer = setTimeout(() => {
      const binding = port.port;
      if (this.port !== port || !this.live || binding === undefined) return;
      binding.getBaudRate().then(
        () => {
          if (this.port === port && this.live) this.scheduleHangupCheck(port, periodMs);
        },
        (error: Error) => {
          if (this.port === port && this.live) this.lost(port, error);
        },
      );
    }, periodMs);
    this.hangupTimer.unref();
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!this.live || port === undefined) throw new TransportError('closed', `${this.description}: write on a closed transport`);
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (error) => {
        if (error) {
          reject(this.live ? new TransportError('io', `${this.description}: write failed: ${error.message}`) : new TransportError('closed', `${this.description}: closed during write`));
          return;
        }
        port.drain((drainError) => {
          if (drainError) reject(this.live ? new TransportError('io', `${this.description}: drain failed: ${drainError.message}`) : new TransportError('closed', `${this.description}: closed during write`));
          else resolve();
        });
      });
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.live = false;
    this.port = undefined;
    clearTimeout(this.hangupTimer);
    if (port === undefined || !port.isOpen) return;
    await new Promise<void>((resolve) => {
      port.close((error) => {
        // close() never rejects by contract: a port that fails to close is gone either way.
        if (error) port.destroy();
        resolve();
      });
    });
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  private lost(port: SerialPort, error: Error): void {
    this.live = false;
    this.port = undefined;
    clearTimeout(this.hangupTimer);
    if (port.isOpen) port.close(() => undefined);
    this.listeners.emitDisconnect(new TransportError('io', `${this.description}: disconnected: ${error.message}`));
  }
}
