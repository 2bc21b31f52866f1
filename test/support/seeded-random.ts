/**
 * Reproducible randomness for tests that need chance (crash tests: when to kill, what to sell).
 * Every random choice comes from one 32-bit seed, so a failing run replays with the same seed.
 */
import { randomInt } from 'node:crypto';

const seedLimit = 0x1_0000_0000;

/** Whether VALUE can seed a SeededRandom: an integer from 0 to 2^32 − 1. */
export function isSeed(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < seedLimit;
}

/**
 * A mulberry32 generator. Contract: the same seed yields the same sequence on every platform and
 * Node version (only 32-bit integer arithmetic), so a seed printed by one run replays it exactly.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    if (!isSeed(seed)) throw new RangeError(`a seed is an integer from 0 to ${seedLimit - 1}, got ${seed}`);
    this.state = seed;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / seedLimit;
  }

  /** Uniform integer from MIN to MAX, both included. */
  integer(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`no integers from ${min} to ${max}`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A seed for another generator (e.g. a child process's), drawn from this sequence. */
  nextSeed(): number {
    return Math.floor(this.next() * seedLimit);
  }
}

/** A fresh seed from the operating system's random source. */
export function freshSeed(): number {
  return randomInt(0, seedLimit);
}

/**
 * Parses a seed given as text (an environment variable or argv). Throws naming SOURCE when the
 * text is not a decimal integer from 0 to 2^32 − 1.
 */
export function parseSeed(text: string, source: string): number {
  const value = /^\d{1,10}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!isSeed(value)) throw new Error(`${source} must be an integer from 0 to ${seedLimit - 1}, is "${text}"`);
  return value;
}
