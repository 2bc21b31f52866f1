/**
 * Monotonic timers as flows and the sync client see them, injected next to the `Clock` so tests
 * run on a fake clock. Durations are relative: a wall-clock jump (±24 h) moves `Clock.nowMs()`
 * but never fires or delays a timer.
 */
export interface Timers {
  /** Calls CALLBACK once after DELAYMS milliseconds; the returned function cancels it (idempotent). */
  setTimer(callback: () => void, delayMs: number): () => void;
  /** Milliseconds on a monotonic clock with an arbitrary origin: only differences mean anything. */
  monotonicNowMs(): number;
}

/**
 * Resolves after DELAYMS, or at once with `false` when SIGNAL aborts first (then the timer is
 * cancelled). Resolves `true` when the full delay elapsed.
 */
export function sleep(timers: Timers, delayMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = timers.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, delayMs));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
