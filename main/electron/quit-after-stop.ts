/**
 * Quitting the Electron shell waits for the terminal to stop (journal closed, devices released,
 * servers closed). Electron does not wait for a promise returned from `before-quit`, so the first
 * quit request is cancelled, the terminal is stopped, and only then does the app exit: with 0
 * after a clean stop, with 1 when the stop failed or did not finish within the timeout (logged).
 * Quit requests that arrive while the terminal is stopping are cancelled too; `stop` runs once.
 */
import type { Timers } from '../../kernel/timers.js';

/** The part of Electron's `app` the quit sequence uses; Electron's `app` satisfies it, tests pass a fake. */
export interface QuittableApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  /** Exits at once with EXITCODE, without emitting `before-quit` again. */
  exit(exitCode?: number): void;
}

/** Where the sequence reports; the terminal's pino logger satisfies it. */
export interface QuitLogger {
  info(message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface QuitAfterStopOptions {
  /** Stops the terminal; may reject, or never settle (then the timeout ends the wait). */
  readonly stop: () => Promise<void>;
  readonly timers: Timers;
  readonly logger: QuitLogger;
  /** How long a quit waits for `stop` before exiting anyway. */
  readonly timeoutMs?: number;
}

export const defaultQuitTimeoutMs = 10_000;

type StopOutcome = { readonly kind: 'stopped' } | { readonly kind: 'failed'; readonly error: unknown } | { readonly kind: 'timed-out' };

/** Installs the `before-quit` handler on APP; from then on every quit goes through `stop`. */
export function quitAfterTerminalStops(app: QuittableApp, options: QuitAfterStopOptions): void {
  const timeoutMs = options.timeoutMs ?? defaultQuitTimeoutMs;
  let stopping = false;
  app.on('before-quit', (event) => {
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    options.logger.info('quitting: stopping the terminal first');
    void stopWithin(options.stop, options.timers, timeoutMs).then((outcome) => {
      if (outcome.kind === 'stopped') {
        app.exit(0);
        return;
      }
      if (outcome.kind === 'failed') options.logger.error({ err: outcome.error }, 'the terminal failed to stop; quitting anyway');
      else options.logger.error({ timeoutMs }, 'the terminal did not stop in time; quitting anyway');
      app.exit(1);
    });
  });
}

/** Runs STOP (a synchronous throw counts as a failure) and settles on its outcome or on the timeout, whichever comes first. */
function stopWithin(stop: () => Promise<void>, timers: Timers, timeoutMs: number): Promise<StopOutcome> {
  return new Promise((resolve) => {
    const cancelTimeout = timers.setTimer(() => resolve({ kind: 'timed-out' }), timeoutMs);
    const settle = (outcome: StopOutcome) => {
      cancelTimeout();
      resolve(outcome);
    };
    const stopped = (async () => {
      await stop();
    })();
    stopped.then(
      () => settle({ kind: 'stopped' }),
      (error: unknown) => settle({ kind: 'failed', error }),
    );
  });
}
