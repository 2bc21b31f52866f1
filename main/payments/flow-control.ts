/**
 * How the owner of a running flow steers it: `cancel` asks it to close/reverse at the provider
 * (the cashier pressed Cancel); `stop` makes it return at the next step leaving the journaled
 * state as it is (the terminal is shutting down; the start-up resolver continues later).
 */
export interface FlowControl {
  readonly cancel: AbortSignal;
  readonly stop: AbortSignal;
}

/** A control for a flow nobody will cancel or stop (tests, one-shot resolution). */
export function uncontrolledFlow(): FlowControl {
  return { cancel: new AbortController().signal, stop: new AbortController().signal };
}
