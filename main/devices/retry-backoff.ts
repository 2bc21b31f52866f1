/**
 * Capped exponential backoff for reopening a device: the first retry after `initialDelayMs`,
 * each next one after twice the previous delay, never more than `maxDelayMs`. One retry is
 * scheduled at a time; `reset()` (the device is back) starts the next series from the beginning.
 */
import type { DeviceTimer } from '../../hardware/devices/device-timer.js';

export class RetryBackoff {
  private attempt = 0;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly timer: DeviceTimer,
    private readonly initialDelayMs = 1000,
    private readonly maxDelayMs = 30_000,
  ) {}

  /** Schedules RETRY after the next delay unless one is already scheduled; returns that delay (0 when nothing was scheduled). */
  schedule(retry: () => void): number {
    if (this.cancel || this.stopped) return 0;
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
    this.attempt += 1;
    this.cancel = this.timer.schedule(delayMs, () => {
      this.cancel = undefined;
      retry();
    });
    return delayMs;
  }

  reset(): void {
    this.attempt = 0;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Cancels the scheduled retry for good. */
  stop(): void {
    this.stopped = true;
    this.reset();
  }
}
