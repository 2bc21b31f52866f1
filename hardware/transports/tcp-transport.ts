/**
 * Raw TCP transport (network printers' port 9100, "JetDirect"/AppSocket style).
 *
 * Follows the Transport rules of transport.ts; TCP specifics:
 * - `open()` rejects 'timeout' when the connection is not up within `connectTimeoutMs`
 *   (default 5000), 'not-found' for refused/unreachable/unknown hosts, else 'io'.
 * - TCP keepalive is on (`keepAliveDelayMs`, default 10000) so a printer that lost power is
 *   noticed even when we are not writing; Nagle is off so small status queries leave at once.
 * - `write()` resolves once the bytes are handed to the kernel.
 * - A peer close, reset or keepalive failure emits exactly one `disconnect` ('io').
 */
import { Socket } from 'node:net';
import { TransportError, type Transport, type TransportEvents } from './transport.js';
import { TransportListeners } from './transport-listeners.js';

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
  readonly keepAliveDelayMs?: number;
}

export function tcpConnectError(address: string, error: NodeJS.ErrnoException): TransportError {
  const text = `${address}: ${error.message}`;
  switch (error.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return new TransportError('not-found', text);
    case 'EACCES':
    case 'EPERM':
      return new TransportError('permission', text);
    case 'ETIMEDOUT':
      return new TransportError('timeout', text);
    default:
      return new TransportError('io', text);
  }
}

export class TcpTransport implements Transport {
  readonly description: string;
  private readonly listeners = new TransportListeners();
  private socket: Socket | undefined;

  constructor(private readonly options: TcpTransportOptions) {
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.description = `socket://${host}:${options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    const socket = new Socket({ allowHalfOpen: false });
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('timeout', `${this.description}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(tcpConnectError(this.description, error));
      });
      socket.connect(this.options.port, this.options.host);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.options.keepAliveDelayMs ?? 10_000);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.listeners.emitData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      // Always followed by 'close', which reports the disconnect with this cause.
      lastError = error;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.listeners.emitDisconnect(new TransportError('io', `${this.description}: connection lost${lastError ? `: ${lastError.message}` : ' (peer closed)'}`));
    });
  }

  async write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) throw new TransportError('closed', `${this.description}: write on a closed transport`);
    await new Promise<void>((resolve, reject) => {
      socket.write(bytes, (error) => {
        if (!error) resolve();
        else reject(this.socket === socket ? new TransportError('io', `${this.description}: write failed: ${error.message}`) : new TransportError('closed', `${this.description}: closed during write`));
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      // A peer that never acknowledges our FIN must not hold close() up.
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }
}
