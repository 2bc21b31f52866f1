import { describe, expect, it } from 'vitest';
import { sleep } from '../../kernel/timers.js';
import { FakeClock, fakeClockStartMs } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires Timers and DeviceTimer callbacks together, in due order, with the time at each due point', async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.schedule(300, () => fired.push(`device@${clock.monotonicNowMs()}`));
    clock.setTimer(() => fired.push(`flow@${clock.monotonicNowMs()}`), 100);
    clock.setTimer(() => fired.push(`late@${clock.monotonicNowMs()}`), 1_000);
    expect(clock.scheduledCount).toBe(3);

    await clock.advance(500);

    expect(fired).toEqual(['flow@100', 'device@300']);
    expect(clock.scheduledCount).toBe(1);
    expect(clock.nowMs()).toBe(fakeClockStartMs + 500);
  });

  it('cancels a timer through the returned function', async () => {
    const clock = new FakeClock();
    let fired = false;
    const cancel = clock.schedule(10, () => (fired = true));
    cancel();
    cancel();
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.scheduledCount).toBe(0);
  });

  it('runs the promise chain a timer starts before the next timer fires', async () => {
    const clock = new FakeClock();
    const steps: number[] = [];
    void (async () => {
      await sleep(clock, 100);
      steps.push(clock.monotonicNowMs());
      await sleep(clock, 100);
      steps.push(clock.monotonicNowMs());
    })();
    await clock.advance(250);
    expect(steps).toEqual([100, 200]);
  });

  it('moves the wall clock on jumpWallClock without firing or delaying timers', async () => {
    const clock = new FakeClock(1_000_000);
    let fired = false;
    clock.setTimer(() => (fired = true), 60_000);
    clock.jumpWallClock(24 * 3_600_000);
    expect(clock.nowMs()).toBe(1_000_000 + 24 * 3_600_000);
    expect(fired).toBe(false);
    await clock.advance(59_999);
    expect(fired).toBe(false);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  it('advanceUntil reports whether the condition came true within the budget', async () => {
    const clock = new FakeClock();
    let done = false;
    clock.setTimer(() => (done = true), 1_000);
    expect(await clock.advanceUntil(() => done, 500, 100)).toBe(false);
    expect(await clock.advanceUntil(() => done, 1_000, 100)).toBe(true);
  });
});
