/** A DeviceTimer whose time moves only when a test calls `advance`. */
import type { DeviceTimer } from '../../../hardware/devices/device-timer.js';

export class FakeDeviceTimer implements DeviceTimer {
  private now = 1_700_000_000_000;
  private tasks: { dueMs: number; callback: () => void; id: number }[] = [];
  private nextId = 0;

  nowMs(): number {
    return this.now;
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const id = this.nextId++;
    this.tasks.push({ dueMs: this.now + delayMs, callback, id });
    return () => {
      this.tasks = this.tasks.filter((task) => task.id !== id);
    };
  }

  get scheduledCount(): number {
    return this.tasks.length;
  }

  /** Moves time forward by MS, running due callbacks in time order and letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await settle();
      const due = this.tasks.filter((task) => task.dueMs <= target).sort((left, right) => left.dueMs - right.dueMs || left.id - right.id)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((task) => task !== due);
      this.now = due.dueMs;
      due.callback();
    }
    this.now = target;
    await settle();
  }
}

/** Lets queued microtasks and I/O callbacks run (a few event-loop turns). */
export async function settle(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
