/** Fans the one core event stream out to the components that care, so each screen does not open its own. */
import type { TerminalEvent } from '../../main/contract/contract.js';

export class EventHub {
  private readonly listeners = new Set<(event: TerminalEvent) => void>();

  publish(event: TerminalEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: TerminalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
