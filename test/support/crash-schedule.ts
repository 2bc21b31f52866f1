/**
 * The chance in the crash tests, drawn from one seed: how long each child runs before SIGKILL and
 * the seed each child draws its sales from. `CRASH_SEED=N` replays a run's schedule exactly; the
 * operating system's own timing (how far a child got in N ms) still differs between runs.
 */
import { freshSeed, parseSeed, SeededRandom } from './seeded-random.js';

/** The environment variable that replays a crash test run. */
export const crashSeedVariable = 'CRASH_SEED';

/** The seed in CRASH_SEED when set (throws when malformed), else a fresh one. */
export function crashSeedFromEnvironment(environment: NodeJS.ProcessEnv = process.env): number {
  const text = environment[crashSeedVariable];
  return text === undefined || text.trim() === '' ? freshSeed() : parseSeed(text, crashSeedVariable);
}

/** The line crash tests print before they start and attach to their assertions. */
export function crashSeedLine(seed: number): string {
  return `crash seed: ${seed} (replay with ${crashSeedVariable}=${seed})`;
}

export interface CrashRound {
  /** How long the parent lets the child run (after it is ready) before SIGKILL. */
  readonly killAfterMs: number;
  /** The seed the child draws its sale amounts from. */
  readonly childSeed: number;
}

export interface CrashScheduleOptions {
  readonly rounds: number;
  readonly minKillAfterMs: number;
  /** Inclusive. */
  readonly maxKillAfterMs: number;
}

/** The kill schedule for SEED. Contract: a pure function of its arguments. */
export function crashSchedule(seed: number, options: CrashScheduleOptions): readonly CrashRound[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: options.rounds }, () => ({
    killAfterMs: random.integer(options.minKillAfterMs, options.maxKillAfterMs),
    childSeed: random.nextSeed(),
  }));
}
