/** The real `Timers`: Node's monotonic setTimeout, unref'd so a pending retry never keeps a CLI alive. */
import type { Timers } from './timers.js';

export const systemTimers: Timers = {
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return () => clearTimeout(handle);
  },
  monotonicNowMs: () => performance.now(),
};
