import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLcusSwitch, LcusEncodeError, LcusRelayDecoder, type LcusDecodeResult } from '../../../../hardware/protocols/relay/lcus-relay-frame.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
const commands = (results: LcusDecodeResult[]) => results.flatMap((result) => (result.ok ? [result.command] : []));

describe('LCUS relay frames', () => {
  it.each([
    [1, true, 'a0 01 01 a2'],
    [1, false, 'a0 01 00 a1'],
    [2, true, 'a0 02 01 a3'],
    [4, false, 'a0 04 00 a4'],
    [8, true, 'a0 08 01 a9'],
  ])('channel %i on=%s → %s', (channel, on, expected) => {
    expect(hex(encodeLcusSwitch({ channel, on }))).toBe(expected);
  });

  it('refuses channels outside 1..8', () => {
    expect(() => encodeLcusSwitch({ channel: 0, on: true })).toThrow(LcusEncodeError);
    expect(() => encodeLcusSwitch({ channel: 9, on: true })).toThrow(LcusEncodeError);
  });

  it('decodes commands split at every byte boundary, with garbage and bad sums around them', () => {
    const stream = Uint8Array.from([0x11, 0xa0, 0x01, 0x01, 0xa2, 0xa0, 0x01, 0x01, 0x00, 0xa0, 0x02, 0x00, 0xa2]);
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const decoder = new LcusRelayDecoder();
      const results = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(commands(results)).toEqual([
        { channel: 1, on: true },
        { channel: 2, on: false },
      ]);
      expect(results.filter((result) => !result.ok).map((result) => (result.ok ? '' : result.error.code))).toContain('bad-checksum');
    }
  });

  it('never throws on 20,000 random streams and round-trips every valid command', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 32 }), { maxLength: 5 }), (chunks) => {
        const decoder = new LcusRelayDecoder();
        for (const chunk of chunks) {
          for (const result of decoder.push(chunk)) {
            if (result.ok) expect(encodeLcusSwitch(result.command)).toHaveLength(4);
          }
        }
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.boolean(), (channel, on) => {
        expect(commands(new LcusRelayDecoder().push(encodeLcusSwitch({ channel, on })))).toEqual([{ channel, on }]);
      }),
    );
  });
});
