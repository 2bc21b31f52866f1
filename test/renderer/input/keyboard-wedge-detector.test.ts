import { describe, expect, it } from 'vitest';
import { KeyboardWedgeDetector, type KeyboardWedgeOptions, type WedgeDecision } from '../../../renderer/input/keyboard-wedge-detector.js';

/** Types `keys` starting at `startMs`, one key every `gapMs`, and collects every decision. */
function type(keys: string[], gapMs: number | number[], options: KeyboardWedgeOptions = {}, startMs = 1000) {
  const detector = new KeyboardWedgeDetector(options);
  const decisions: WedgeDecision[] = [];
  let time = startMs;
  keys.forEach((key, index) => {
    if (index > 0) time += Array.isArray(gapMs) ? (gapMs[index - 1] ?? 0) : gapMs;
    decisions.push(...detector.push({ key, timeMs: time }));
  });
  decisions.push(...detector.flush(time + 1000));
  return decisions;
}

const chars = (text: string) => [...text];
const scan = (code: string) => expect.objectContaining({ kind: 'scan', code });
const typing = (keys: string[]) => ({ kind: 'typing', keys });

describe('KeyboardWedgeDetector', () => {
  it.each<[string, string[], number | number[], KeyboardWedgeOptions, unknown[]]>([
    ['scanner burst with Enter', [...chars('6901234567892'), 'Enter'], 8, {}, [scan('6901234567892')]],
    ['scanner burst at the 40 ms limit', [...chars('ABCDEF'), 'Enter'], 40, {}, [scan('ABCDEF')]],
    ['Shift for capitals is ignored', ['Shift', 'A', 'Shift', 'B', ...chars('1234'), 'Enter'], 5, {}, [scan('AB1234')]],
    ['person typing slowly', [...chars('123456'), 'Enter'], 120, {}, [...chars('123456').map((key) => typing([key])), typing(['Enter'])]],
    ['burst too short', [...chars('12345'), 'Enter'], 5, {}, [typing([...chars('12345'), 'Enter'])]],
    ['burst without suffix', chars('1234567890'), 5, {}, [typing(chars('1234567890'))]],
    ['Tab suffix when configured', [...chars('1234567'), 'Tab'], 5, { suffixes: ['Enter', 'Tab'] }, [scan('1234567')]],
    ['Tab is typing when not configured', [...chars('1234567'), 'Tab'], 5, {}, [typing([...chars('1234567'), 'Tab'])]],
    ['one slow gap in the middle splits the burst', [...chars('123'), ...chars('4567890'), 'Enter'], [5, 5, 200, 5, 5, 5, 5, 5, 5, 5], {}, [typing(chars('123')), scan('4567890')]],
    ['slow suffix makes it typing', [...chars('1234567'), 'Enter'], [5, 5, 5, 5, 5, 5, 90], {}, [typing(chars('1234567')), typing(['Enter'])]],
    ['prefix stripped', [...chars('~P'), ...chars('281234567890123456'), 'Enter'], 5, { prefix: '~P' }, [scan('281234567890123456')]],
    ['missing prefix is typing at once', [...chars('x1234567'), 'Enter'], 5, { prefix: '~P' }, [...chars('x1234567').map((key) => typing([key])), typing(['Enter'])]],
    ['named key is a person', [...chars('1234'), 'Backspace', ...chars('567890'), 'Enter'], 5, {}, [typing([...chars('1234'), 'Backspace']), scan('567890')]],
    ['stricter timing option', [...chars('123456'), 'Enter'], 25, { maxInterKeyMs: 20 }, [...chars('123456').map((key) => typing([key])), typing(['Enter'])]],
    ['minLength option', [...chars('1234'), 'Enter'], 5, { minLength: 4 }, [scan('1234')]],
  ])('%s', (_name, keys, gap, options, expected) => {
    expect(type(keys, gap, options)).toEqual(expected);
  });

  it('flush only releases a burst that is over', () => {
    const detector = new KeyboardWedgeDetector();
    detector.push({ key: '1', timeMs: 0 });
    expect(detector.flush(30)).toEqual([]);
    expect(detector.heldKeys).toBe(1);
    expect(detector.flush(41)).toEqual([typing(['1'])]);
    expect(detector.heldKeys).toBe(0);
  });

  it('a clock going backwards ends the burst instead of merging it', () => {
    const detector = new KeyboardWedgeDetector();
    detector.push({ key: '1', timeMs: 100 });
    expect(detector.push({ key: '2', timeMs: 50 })).toEqual([typing(['1'])]);
  });

  it('an endless burst is released as typing at maxLength', () => {
    const decisions = type(chars('x'.repeat(20)), 1, { maxLength: 10 });
    expect(decisions[0]).toEqual(typing(chars('x'.repeat(11))));
  });
});
