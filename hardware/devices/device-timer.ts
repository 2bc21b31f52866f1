/**
 * Time as a device sees it: the current time plus one-shot timers, injected so device logic
 * (reply timeouts, retry delays) runs on a fake clock in tests.
 */
import { systemClock, type Clock } from '../../kernel/clock.js';

export interface DeviceTimer extends Clock {
  /** Calls CALLBACK once after DELAY MS milliseconds; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void;
}

export const systemDeviceTimer: DeviceTimer = {
  nowMs: () => systemClock.nowMs(),
  schedule(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};
