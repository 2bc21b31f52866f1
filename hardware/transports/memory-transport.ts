/**
 * An in-process wire between a driver and a simulated device: two linked Transports. Used by
 * tests and by `sim:` device URIs (the simulator holds `device`, the driver gets `host`).
 *
 * Contract (in addition to the Transport rules in transport.ts):
 * - Bytes written on one end arrive on the other end as one `data` chunk per `write()`, in order,
 *   asynchronously (a microtask later), never inside the writer's call stack.
 * - Bytes written while the other end is not open are buffered and delivered when it opens, as a
 *   pseudo-terminal buffers them; closing an end discards what was buffered for it.
 * - `unplug()` is the cable being pulled: the host end emits exactly one `disconnect`
 *   (TransportError 'io') and closes; until `replug()`, opening the host rejects with 'not-found'
 *   and bytes the device writes are lost (as on a cut wire; the device cannot know). The device
 *   end stays open so a simulator keeps its state across the pull, like real hardware does.
 */
import { TransportError, type Transport, type TransportEvents } from './transport.js';
import { TransportListeners } from './transport-listeners.js';

export interface MemoryLink {
  /** The end the driver opens. */
  readonly host: MemoryTransport;
  /** The end the simulated device opens. */
  readonly device: MemoryTransport;
  readonly isPlugged: boolean;
  /** Pull the cable (see the module contract). Idempotent. */
  unplug(reason?: string): void;
  /** Put the cable back: the host may open again. The owner reopens it. */
  replug(): void;
}

type Side = 'host' | 'device';

interface LinkState {
  plugged: boolean;
}

export class MemoryTransport implements Transport {
  private readonly listeners = new TransportListeners();
  private opened = false;
  private pending: Uint8Array[] = [];
  /** Set once both ends exist; the link constructs them together. */
  peer!: MemoryTransport;

  constructor(
    readonly description: string,
    private readonly side: Side,
    private readonly link: LinkState,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    if (this.side === 'host' && !this.link.plugged) {
      throw new TransportError('not-found', `${this.description}: unplugged`);
    }
    this.opened = true;
    const buffered = this.pending;
    this.pending = [];
    for (const chunk of buffered) this.deliverLater(chunk);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.opened) throw new TransportError('closed', `${this.description}: write on a closed transport`);
    const copy = Uint8Array.from(bytes);
    if (!this.link.plugged) return; // device talking into a pulled cable: lost, as on real hardware
    this.peer.receive(copy);
  }

  async close(): Promise<void> {
    this.opened = false;
    this.pending = [];
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  /** Called by the peer's write. */
  private receive(chunk: Uint8Array): void {
    if (this.opened) this.deliverLater(chunk);
    else this.pending.push(chunk);
  }

  private deliverLater(chunk: Uint8Array): void {
    queueMicrotask(() => {
      if (this.opened) this.listeners.emitData(chunk);
    });
  }

  /** Called by the link on unplug: one disconnect if open, then closed. */
  disconnect(cause: TransportError): void {
    this.pending = [];
    if (!this.opened) return;
    this.opened = false;
    this.listeners.emitDisconnect(cause);
  }
}

export function createMemoryLink(options: { description?: string } = {}): MemoryLink {
  const name = options.description ?? 'memory';
  const state: LinkState = { plugged: true };
  const host = new MemoryTransport(`${name} (host end)`, 'host', state);
  const device = new MemoryTransport(`${name} (device end)`, 'device', state);
  host.peer = device;
  device.peer = host;
  return {
    host,
    device,
    get isPlugged() {
      return state.plugged;
    },
    unplug(reason = 'cable pulled') {
      if (!state.plugged) return;
      state.plugged = false;
      host.disconnect(new TransportError('io', `${host.description}: ${reason}`));
    },
    replug() {
      state.plugged = true;
    },
  };
}
