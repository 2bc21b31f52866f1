/**
 * The listener bookkeeping every Transport implementation shares: `on()` returns an unsubscribe
 * function, and `disconnect` is delivered at most once per open (the Transport contract).
 * A listener that throws does not stop the others; its error is rethrown asynchronously so it
 * still surfaces as an uncaught exception instead of being swallowed.
 */
import type { TransportError, TransportEvents } from './transport.js';

export class TransportListeners {
  private readonly dataListeners = new Set<TransportEvents['data']>();
  private readonly disconnectListeners = new Set<TransportEvents['disconnect']>();

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    const set = (event === 'data' ? this.dataListeners : this.disconnectListeners) as Set<TransportEvents[E]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emitData(chunk: Uint8Array): void {
    for (const listener of [...this.dataListeners]) this.call(() => listener(chunk));
  }

  emitDisconnect(cause: TransportError): void {
    for (const listener of [...this.disconnectListeners]) this.call(() => listener(cause));
  }

  private call(run: () => void): void {
    try {
      run();
    } catch (error) {
      // A faulty listener must not starve the others; rethrow outside this loop so it is not lost.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
