import { describe, expect, it } from 'vitest';
import { quitAfterTerminalStops, type QuittableApp } from '../../../main/electron/quit-after-stop.js';
import { FakeClock, flushAsync } from '../../support/fake-clock.js';

/** Stands in for Electron's `app`: `quit()` emits `before-quit` and quits at once unless a listener prevents it. */
class FakeApp implements QuittableApp {
  readonly exitCodes: number[] = [];
  quitWithoutWaiting = 0;
  private readonly listeners: ((event: { preventDefault(): void }) => void)[] = [];

  on(_event: 'before-quit', listener: (event: { preventDefault(): void }) => void): this {
    this.listeners.push(listener);
    return this;
  }

  exit(exitCode = 0): void {
    this.exitCodes.push(exitCode);
  }

  quit(): void {
    let prevented = false;
    for (const listener of this.listeners) listener({ preventDefault: () => (prevented = true) });
    if (!prevented) this.quitWithoutWaiting += 1;
  }
}

class RecordingLogger {
  readonly infos: string[] = [];
  readonly errors: { details: Record<string, unknown>; message: string }[] = [];
  info(message: string): void {
    this.infos.push(message);
  }
  error(details: Record<string, unknown>, message: string): void {
    this.errors.push({ details, message });
  }
}

/** A stop the test finishes by hand; `calls` counts how often the sequence started it. */
function controllableStop() {
  const control = { calls: 0, finish: () => {}, fail: (_error: Error) => {} };
  const stop = () => {
    control.calls += 1;
    return new Promise<void>((resolve, reject) => {
      control.finish = resolve;
      control.fail = reject;
    });
  };
  return { stop, control };
}

function setUp(stop: () => Promise<void>) {
  const app = new FakeApp();
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  quitAfterTerminalStops(app, { stop, timers: clock, logger, timeoutMs: 10_000 });
  return { app, clock, logger };
}

describe('quitting the Electron shell', () => {
  it('holds the quit until the terminal has stopped, then exits with 0', async () => {
    const { stop, control } = controllableStop();
    const { app, clock } = setUp(stop);
    app.quit();
    await clock.advance(5_000);
    expect(app.quitWithoutWaiting).toBe(0);
    expect(control.calls).toBe(1);
    expect(app.exitCodes).toEqual([]);
    control.finish();
    await flushAsync();
    expect(app.exitCodes).toEqual([0]);
    expect(clock.scheduledCount).toBe(0);
  });

  it('holds further quit requests while stopping and stops only once', async () => {
    const { stop, control } = controllableStop();
    const { app } = setUp(stop);
    app.quit();
    app.quit();
    await flushAsync();
    expect(app.quitWithoutWaiting).toBe(0);
    expect(control.calls).toBe(1);
    control.finish();
    await flushAsync();
    expect(app.exitCodes).toEqual([0]);
  });

  it('exits with 1, logging why, when the stop fails', async () => {
    const { stop, control } = controllableStop();
    const { app, logger } = setUp(stop);
    app.quit();
    control.fail(new Error('journal busy'));
    await flushAsync();
    expect(app.exitCodes).toEqual([1]);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]?.message).toMatch(/failed to stop/);
    expect((logger.errors[0]?.details.err as Error).message).toBe('journal busy');
  });

  it('treats a stop that throws at once as a failed stop', async () => {
    const { app } = setUp(() => {
      throw new Error('already closed');
    });
    app.quit();
    await flushAsync();
    expect(app.exitCodes).toEqual([1]);
  });

  it('exits with 1 after the timeout when the stop never finishes, logging the timeout', async () => {
    const { stop } = controllableStop();
    const { app, clock, logger } = setUp(stop);
    app.quit();
    await clock.advance(9_999);
    expect(app.exitCodes).toEqual([]);
    await clock.advance(1);
    expect(app.exitCodes).toEqual([1]);
    expect(logger.errors.map((entry) => entry.message)).toEqual(['the terminal did not stop in time; quitting anyway']);
    expect(logger.errors[0]?.details).toEqual({ timeoutMs: 10_000 });
  });

  it('exits only once when the stop finishes after the timeout', async () => {
    const { stop, control } = controllableStop();
    const { app, clock } = setUp(stop);
    app.quit();
    await clock.advance(10_000);
    control.finish();
    await flushAsync();
    expect(app.exitCodes).toEqual([1]);
  });
});
