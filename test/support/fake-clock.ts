/**
 * The one fake clock for tests: a `Clock`, the flows' `Timers` and the devices' `DeviceTimer` in
 * one object. Time moves only when the test calls `advance`, which fires due timers in time order
 * and lets the promise chains they start run between them. The wall clock (`nowMs`) is the
 * monotonic clock plus an offset that `jumpWallClock` moves without touching timers.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import type { DeviceTimer } from '../../hardware/devices/device-timer.js';

interface PendingTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/** Wall-clock time at which every FakeClock starts unless told otherwise: 2026-01-15 12:00 in Beijing. */
export const fakeClockStartMs = Date.UTC(2026, 0, 15, 4, 0, 0);

/** Lets pending promise callbacks and immediates run (several event-loop turns, for chained awaits). */
export async function flushAsync(turns = 10): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock, Timers, DeviceTimer {
  private monotonicMs = 0;
  private wallOffsetMs: number;
  private nextId = 1;
  private pending: PendingTimer[] = [];

  constructor(startMs = fakeClockStartMs) {
    this.wallOffsetMs = startMs;
  }

  nowMs(): number {
    return this.wallOffsetMs + this.monotonicMs;
  }

  monotonicNowMs(): number {
    return this.monotonicMs;
  }

  /** Moves the wall clock only (an NTP correction or a wrong RTC); timers are unaffected. */
  jumpWallClock(deltaMs: number): void {
    this.wallOffsetMs += deltaMs;
  }

  /** `Timers.setTimer`: a negative delay counts as 0. The returned function cancels (idempotent). */
  setTimer(callback: () => void, delayMs: number): () => void {
    const timer = { id: this.nextId++, dueMs: this.monotonicMs + Math.max(0, delayMs), callback };
    this.pending.push(timer);
    return () => {
      this.pending = this.pending.filter((candidate) => candidate.id !== timer.id);
    };
  }

  /** `DeviceTimer.schedule`: the same timers as `setTimer`, arguments in the device order. */
  schedule(delayMs: number, callback: () => void): () => void {
    return this.setTimer(callback, delayMs);
  }

  /** Timers set and neither fired nor cancelled yet. */
  get scheduledCount(): number {
    return this.pending.length;
  }

  /** Advances time by DELTAMS, firing every timer that falls due (in order) and flushing after each. */
  async advance(deltaMs: number): Promise<void> {
    const targetMs = this.monotonicMs + deltaMs;
    await flushAsync();
    for (;;) {
      const due = this.pending.filter((timer) => timer.dueMs <= targetMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((timer) => timer.id !== due.id);
      this.monotonicMs = Math.max(this.monotonicMs, due.dueMs);
      due.callback();
      await flushAsync();
    }
    this.monotonicMs = targetMs;
    await flushAsync();
  }

  /** Advances in STEPMS steps until CONDITION holds or MAXMS passed; returns whether it held. */
  async advanceUntil(condition: () => boolean, maxMs: number, stepMs = 250): Promise<boolean> {
    for (let spent = 0; spent <= maxMs; spent += stepMs) {
      if (condition()) return true;
      await this.advance(stepMs);
    }
    return condition();
  }
}
