import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crashSchedule, crashSeedFromEnvironment, crashSeedLine } from './crash-schedule.js';
import { isSeed, parseSeed, SeededRandom } from './seeded-random.js';

const options = { rounds: 20, minKillAfterMs: 0, maxKillAfterMs: 699 };

describe('SeededRandom', () => {
  it('produces the mulberry32 sequence, so seeds printed by earlier runs still replay them', () => {
    const random = new SeededRandom(42);
    expect(Array.from({ length: 3 }, () => random.next())).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('draws integers inside the bounds it is given, both ends included', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.integer({ min: -1_000, max: 1_000 }), fc.nat({ max: 50 }), (seed, min, span) => {
        const random = new SeededRandom(seed);
        for (let draw = 0; draw < 20; draw += 1) {
          const value = random.integer(min, min + span);
          expect(Number.isInteger(value) && value >= min && value <= min + span).toBe(true);
        }
      }),
    );
  });

  it('refuses seeds outside 0 … 2^32 − 1', () => {
    expect(() => new SeededRandom(-1)).toThrow(RangeError);
    expect(() => new SeededRandom(2 ** 32)).toThrow(RangeError);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
  });
});

describe('crashSchedule', () => {
  it('is the same schedule every time for the same seed', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), (seed) => {
        expect(crashSchedule(seed, options)).toEqual(crashSchedule(seed, options));
      }),
    );
  });

  it('differs between seeds, and keeps kill delays in range and child seeds valid', () => {
    const first = crashSchedule(1, options);
    expect(crashSchedule(2, options)).not.toEqual(first);
    for (const round of [...first, ...crashSchedule(2, options)]) {
      expect(round.killAfterMs).toBeGreaterThanOrEqual(0);
      expect(round.killAfterMs).toBeLessThanOrEqual(699);
      expect(isSeed(round.childSeed)).toBe(true);
    }
  });
});

describe('the crash seed', () => {
  it('comes from CRASH_SEED when set, and is fresh and valid otherwise', () => {
    expect(crashSeedFromEnvironment({ CRASH_SEED: '123456' })).toBe(123456);
    expect(isSeed(crashSeedFromEnvironment({}))).toBe(true);
    expect(isSeed(crashSeedFromEnvironment({ CRASH_SEED: '' }))).toBe(true);
  });

  it('refuses a malformed CRASH_SEED, naming it', () => {
    expect(() => crashSeedFromEnvironment({ CRASH_SEED: 'abc' })).toThrow(/CRASH_SEED must be an integer from 0 to 4294967295, is "abc"/);
    expect(() => crashSeedFromEnvironment({ CRASH_SEED: '4294967296' })).toThrow(/CRASH_SEED/);
    expect(() => parseSeed('-3', 'SEED')).toThrow(/SEED/);
  });

  it('is announced with the way to replay it', () => {
    expect(crashSeedLine(77)).toBe('crash seed: 77 (replay with CRASH_SEED=77)');
  });
});
