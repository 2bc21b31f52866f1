/**
 * A Transport whose target can be swapped while the terminal runs: a printer station or scanner
 * connection keeps this one object, and the composition root points it at a new device path when
 * a USB device comes back under another name (docs/scanners-transports-discovery.md, "Rebinding").
 *
 * Contract (in addition to the Transport rules in hardware/transports/transport.ts):
 * - `open`, `write`, `close`, `isOpen` and `description` act on the current target. Listeners
 *   added with `on` stay registered across retargets and hear only the current target.
 * - `retarget(next)` makes NEXT the target and closes the previous one. When the previous target
 *   was open, one `disconnect` (TransportError 'closed') is emitted first, so an operation
 *   waiting on the old device fails at once instead of at its timeout; the owner reopens, now on
 *   NEXT. That disconnect is not reported to `onTargetLost`: it is no news about the device.
 * - A `disconnect` of the target itself (cable pulled) is emitted to listeners and then reported
 *   to `onTargetLost`, so the device watcher hears of it before its next poll.
 */
import { TransportError, type Transport, type TransportEvents } from '../../hardware/transports/transport.js';
import { TransportListeners } from '../../hardware/transports/transport-listeners.js';

export class RebindableTransport implements Transport {
  private readonly listeners = new TransportListeners();
  private target: Transport;
  private detachTarget: () => void;

  constructor(
    initial: Transport,
    private readonly onTargetLost: (cause: TransportError) => void = () => undefined,
  ) {
    this.target = initial;
    this.detachTarget = this.attach(initial);
  }

  get description(): string {
    return this.target.description;
  }

  get isOpen(): boolean {
    return this.target.isOpen;
  }

  open(): Promise<void> {
    return this.target.open();
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.target.write(bytes);
  }

  close(): Promise<void> {
    return this.target.close();
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  /** Points this transport at NEXT (not opened here: the owner reopens). Never rejects. */
  async retarget(next: Transport): Promise<void> {
    const previous = this.target;
    const wasOpen = previous.isOpen;
    this.detachTarget();
    this.target = next;
    this.detachTarget = this.attach(next);
    if (wasOpen) this.listeners.emitDisconnect(new TransportError('closed', `${previous.description}: the device moved to ${next.description}`));
    await previous.close();
  }

  private attach(target: Transport): () => void {
    const offData = target.on('data', (chunk) => this.listeners.emitData(chunk));
    const offDisconnect = target.on('disconnect', (cause) => {
      this.listeners.emitDisconnect(cause);
      this.onTargetLost(cause);
    });
    return () => {
      offData();
      offDisconnect();
    };
  }
}
