/**
 * File transport: the Linux USB printer class device (`/dev/usb/lp0`, driver usblp) written as a
 * file, or any file used as a capture sink.
 *
 * Follows the Transport rules of transport.ts; file specifics:
 * - `open()` opens read-write when allowed, else write-only; ENOENT → 'not-found',
 *   EACCES/EPERM → 'permission' (add the user to the lp group), EBUSY → 'busy', else 'io'.
 *   A regular file is opened for appending and never read.
 * - Reads: on a character device (usblp supports reading the printer's back channel: status
 *   bytes) the transport polls a non-blocking read every `readPollMs` (default 50 ms) and emits
 *   what arrives. A device without a back channel just never emits `data`.
 * - Unplugging a usblp printer makes reads and writes fail with ENODEV/EIO: the failing write
 *   rejects with 'io' and exactly one `disconnect` ('io') is emitted; later writes reject 'closed'.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { TransportError, type Transport, type TransportEvents } from './transport.js';
import { TransportListeners } from './transport-listeners.js';

export interface FileTransportOptions {
  readonly path: string;
  readonly readPollMs?: number;
}

export function fileOpenError(path: string, error: NodeJS.ErrnoException): TransportError {
  const text = `file:${path}: ${error.message}`;
  switch (error.code) {
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return new TransportError('not-found', text);
    case 'EACCES':
    case 'EPERM':
      return new TransportError('permission', `${text} (add the user to the lp group or install a udev rule)`);
    case 'EBUSY':
      return new TransportError('busy', text);
    default:
      return new TransportError('io', text);
  }
}

/** Errors that mean the device behind the file is gone. */
const goneCodes = new Set(['ENODEV', 'EIO', 'ENXIO', 'EBADF']);

export class FileTransport implements Transport {
  readonly description: string;
  private readonly listeners = new TransportListeners();
  private handle: FileHandle | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readBuffer = Buffer.alloc(512);
  /** Whether the device was opened read-write (back channel readable). */
  private canRead = false;

  constructor(private readonly options: FileTransportOptions) {
    this.description = `file:${options.path}`;
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  async open(): Promise<void> {
    if (this.handle) return;
    let isDevice = false;
    try {
      isDevice = (await fs.stat(this.options.path)).isCharacterDevice();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A missing regular file is created on open below; a missing device path is not-found.
      if (code !== 'ENOENT' || this.options.path.startsWith('/dev/')) throw fileOpenError(this.options.path, error as NodeJS.ErrnoException);
    }
    let handle: FileHandle;
    try {
      if (isDevice) {
        handle = await this.openDevice();
      } else {
        handle = await fs.open(this.options.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      }
    } catch (error) {
      throw fileOpenError(this.options.path, error as NodeJS.ErrnoException);
    }
    this.handle = handle;
    if (isDevice && this.canRead) this.schedulePoll(handle);
  }

  private async openDevice(): Promise<FileHandle> {
    try {
      const handle = await fs.open(this.options.path, constants.O_RDWR | constants.O_NONBLOCK);
      this.canRead = true;
      return handle;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      this.canRead = false;
      return fs.open(this.options.path, constants.O_WRONLY);
    }
  }

  private schedulePoll(handle: FileHandle): void {
    this.pollTimer = setTimeout(() => void this.poll(handle), this.options.readPollMs ?? 50);
  }

  private async poll(handle: FileHandle): Promise<void> {
    if (this.handle !== handle) return;
    try {
      const { bytesRead } = await handle.read(this.readBuffer, 0, this.readBuffer.length, null);
      if (this.handle !== handle) return;
      if (bytesRead > 0) this.listeners.emitData(Uint8Array.from(this.readBuffer.subarray(0, bytesRead)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
        if (goneCodes.has(code ?? '')) {
          this.lost(handle, error as Error);
          return;
        }
        // Other read errors (e.g. EINVAL: this device has no back channel) end reading, not the device.
        return;
      }
    }
    if (this.handle === handle) this.schedulePoll(handle);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new TransportError('closed', `${this.description}: write on a closed transport`);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
        offset += bytesWritten;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          // Printer buffer full on a non-blocking device: wait for it to drain, then retry.
          await new Promise((resolve) => setTimeout(resolve, this.options.readPollMs ?? 50));
          if (this.handle !== handle) throw new TransportError('closed', `${this.description}: closed during write`);
          continue;
        }
        if (this.handle !== handle) throw new TransportError('closed', `${this.description}: closed during write`);
        this.lost(handle, error as Error);
        throw new TransportError('io', `${this.description}: write failed: ${(error as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (!handle) return;
    await handle.close().catch(() => {
      // close() never rejects by contract; a handle that fails to close is unusable either way.
    });
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  private lost(handle: FileHandle, error: Error): void {
    if (this.handle !== handle) return;
    this.handle = undefined;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    void handle.close().catch(() => {
      // The device is gone; closing its descriptor may fail too, and nothing more can be done.
    });
    this.listeners.emitDisconnect(new TransportError('io', `${this.description}: disconnected: ${error.message}`));
  }
}
