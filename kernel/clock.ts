/** Time as the core sees it, injected so flows and tests can run on a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
