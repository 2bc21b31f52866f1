import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHidRelayReport, encodeHidRelayReport, HidRelayEncodeError } from '../../../../hardware/protocols/relay/hid-relay-report.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');

describe('dcttech HID relay feature reports', () => {
  it.each([
    [1, true, '00 ff 01 00 00 00 00 00 00'],
    [1, false, '00 fd 01 00 00 00 00 00 00'],
    [2, true, '00 ff 02 00 00 00 00 00 00'],
    [8, false, '00 fd 08 00 00 00 00 00 00'],
  ])('channel %i on=%s → %s', (channel, on, expected) => {
    expect(hex(encodeHidRelayReport(channel, on))).toBe(expected);
    expect(decodeHidRelayReport(encodeHidRelayReport(channel, on))).toEqual({ channel, on });
  });

  it('refuses channels outside 1..8', () => {
    expect(() => encodeHidRelayReport(0, true)).toThrow(HidRelayEncodeError);
    expect(() => encodeHidRelayReport(9, false)).toThrow(HidRelayEncodeError);
  });

  it('decodes 10,000 random reports without throwing, accepting only well-formed ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (report) => {
        const decoded = decodeHidRelayReport(report);
        if (decoded) expect(hex(encodeHidRelayReport(decoded.channel, decoded.on))).toBe(hex(report));
      }),
      { numRuns: 10_000 },
    );
  });
});
