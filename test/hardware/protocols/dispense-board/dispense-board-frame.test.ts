import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DispenseBoardDecoder, type BoardDecodeResult } from '../../../../hardware/protocols/dispense-board/dispense-board-decoder.js';
import { BoardEncodeError, encodeBoardMessage, formatHex, type BoardMessage } from '../../../../hardware/protocols/dispense-board/dispense-board-frame.js';

/** The examples of docs/dispense-board-protocol.md, byte for byte. */
const golden: [BoardMessage, string][] = [
  [{ type: 'vend', seq: 263, slot: 12 }, 'a5 5a 04 01 07 01 0c 99 93'],
  [{ type: 'ack', seq: 263, slot: 12, acked: 'vend' }, 'a5 5a 05 01 07 80 0c 01 d8 7b'],
  [{ type: 'dispensed', seq: 263, slot: 12 }, 'a5 5a 04 01 07 82 0c d7 58'],
  [{ type: 'jam', seq: 263, slot: 12 }, 'a5 5a 04 01 07 84 0c 7d fe'],
  [{ type: 'motor-fault', seq: 263, slot: 12 }, 'a5 5a 04 01 07 83 0c e4 69'],
  [{ type: 'no-drop', seq: 263, slot: 12 }, 'a5 5a 04 01 07 85 0c 4e cf'],
  [{ type: 'in-progress', seq: 263, slot: 12 }, 'a5 5a 04 01 07 87 0c 28 ad'],
  [{ type: 'nak', seq: 263, slot: 12, reason: 'busy' }, 'a5 5a 05 01 07 81 0c 02 df 28'],
  [{ type: 'nak', seq: 264, slot: 99, reason: 'bad-slot' }, 'a5 5a 05 01 08 81 63 01 20 b1'],
  [{ type: 'status-of', seq: 263 }, 'a5 5a 04 01 07 02 00 0d 4c'],
  [{ type: 'unknown-sequence', seq: 263, slot: 0 }, 'a5 5a 04 01 07 86 00 da 10'],
  [{ type: 'board-status-request' }, 'a5 5a 04 00 00 03 00 cd 59'],
  [{ type: 'board-status', slotCount: 60, justReset: true, dropSensorFault: false, lastSeq: 263 }, 'a5 5a 08 00 00 88 00 3c 01 01 07 ff d2'],
  [{ type: 'reset' }, 'a5 5a 04 00 00 04 00 54 ce'],
  [{ type: 'ack', seq: 0, slot: 0, acked: 'reset' }, 'a5 5a 05 00 00 80 00 04 36 cf'],
];

const bytes = (hex: string) => Uint8Array.from(hex.split(' ').map((pair) => Number.parseInt(pair, 16)));
const messages = (results: BoardDecodeResult[]) => results.flatMap((result) => (result.ok ? [result.message] : []));
const errors = (results: BoardDecodeResult[]) => results.flatMap((result) => (result.ok ? [] : [result.error.code]));

describe('dispense-board frames', () => {
  it.each(golden)('encodes %j as the documented bytes', (message, hex) => {
    expect(formatHex(encodeBoardMessage(message))).toBe(hex);
  });

  it.each(golden)('decodes the documented bytes back to %j', (message, hex) => {
    const decoder = new DispenseBoardDecoder();
    expect(decoder.push(bytes(hex))).toEqual([{ ok: true, message }]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('documents every golden example in docs/dispense-board-protocol.md', () => {
    const doc = readFileSync(new URL('../../../../docs/dispense-board-protocol.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    for (const [, hex] of golden) expect(doc).toContain(hex);
  });

  it('rejects out-of-range fields when encoding', () => {
    expect(() => encodeBoardMessage({ type: 'vend', seq: 0, slot: 1 })).toThrow(BoardEncodeError);
    expect(() => encodeBoardMessage({ type: 'vend', seq: 1, slot: 256 })).toThrow(BoardEncodeError);
    expect(() => encodeBoardMessage({ type: 'vend', seq: 65536, slot: 1 })).toThrow(BoardEncodeError);
  });
});

describe('DispenseBoardDecoder', () => {
  const stream = golden.map(([, hex]) => bytes(hex));
  const all = Uint8Array.from(stream.flatMap((frame) => [...frame]));

  it('decodes the same messages however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const decoder = new DispenseBoardDecoder();
        const results: BoardDecodeResult[] = [];
        let offset = 0;
        let index = 0;
        while (offset < all.length) {
          const size = sizes[index++ % sizes.length] ?? 1;
          results.push(...decoder.push(all.subarray(offset, offset + size)));
          offset += size;
        }
        expect(errors(results)).toEqual([]);
        expect(messages(results)).toEqual(golden.map(([message]) => message));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes byte by byte', () => {
    const decoder = new DispenseBoardDecoder();
    const results = [...all].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(messages(results)).toHaveLength(golden.length);
  });

  it('reports garbage and still finds the frame behind it', () => {
    const decoder = new DispenseBoardDecoder();
    const results = decoder.push(Uint8Array.from([0x00, 0x13, 0xa5, 0x00, ...bytes('a5 5a 04 01 07 82 0c d7 58')]));
    expect(errors(results)).toEqual(['garbage']);
    expect(messages(results)).toEqual([{ type: 'dispensed', seq: 263, slot: 12 }]);
  });

  it('rejects a wrong checksum and resyncs onto a real frame that the false one swallowed', () => {
    const decoder = new DispenseBoardDecoder();
    const results = decoder.push(Uint8Array.from([0xa5, 0x5a, 0x05, ...bytes('a5 5a 04 01 07 82 0c d7 58')]));
    expect(errors(results)).toContain('bad-checksum');
    expect(messages(results)).toEqual([{ type: 'dispensed', seq: 263, slot: 12 }]);
  });

  it('rejects a corrupted byte as bad-checksum', () => {
    const frame = bytes('a5 5a 04 01 07 82 0c d7 58');
    frame[6] = 0x0d;
    const results = new DispenseBoardDecoder().push(frame);
    expect(errors(results)[0]).toBe('bad-checksum');
    expect(messages(results)).toEqual([]);
  });

  it('rejects an impossible length byte', () => {
    expect(errors(new DispenseBoardDecoder().push(bytes('a5 5a 02 00 00')))).toContain('bad-length');
    expect(errors(new DispenseBoardDecoder().push(bytes('a5 5a 30 00 00')))).toContain('bad-length');
  });

  it('reports a frame cut off when flushed', () => {
    const decoder = new DispenseBoardDecoder();
    expect(decoder.push(bytes('a5 5a 04 01 07 82'))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(6);
    expect(errors(decoder.flush())).toEqual(['truncated']);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.flush()).toEqual([]);
  });

  it('rejects an unknown command and a malformed payload even with a good checksum', () => {
    // An independent CRC-16/CCITT-FALSE, so these frames pass the checksum and fail later checks.
    const crcFrame = (frameBody: Uint8Array) => {
      let crc = 0xffff;
      for (const byte of frameBody) {
        crc ^= byte << 8;
        for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
      return Uint8Array.from([0xa5, 0x5a, ...frameBody, crc >> 8, crc & 0xff]);
    };
    expect(errors(new DispenseBoardDecoder().push(crcFrame(Uint8Array.from([4, 0, 1, 0x42, 1]))))).toEqual(['unknown-command']);
    expect(errors(new DispenseBoardDecoder().push(crcFrame(Uint8Array.from([5, 0, 1, 0x82, 1, 9]))))).toEqual(['bad-payload']);
    expect(errors(new DispenseBoardDecoder().push(crcFrame(Uint8Array.from([5, 0, 1, 0x81, 1, 0x77]))))).toEqual(['bad-payload']);
    expect(errors(new DispenseBoardDecoder().push(crcFrame(Uint8Array.from([4, 0, 0, 0x01, 1]))))).toEqual(['bad-payload']);
  });

  it('survives 40,000 random byte streams without throwing and keeps its buffer bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
        const decoder = new DispenseBoardDecoder();
        for (const chunk of chunks) {
          for (const result of decoder.push(chunk)) {
            if (result.ok) expect(formatHex(encodeBoardMessage(result.message))).toMatch(/^a5 5a/);
          }
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(41);
        }
        decoder.flush();
      }),
      { numRuns: 40_000 },
    );
  });

  it('round-trips random messages mixed with random junk (15,000 runs)', () => {
    const message = fc.oneof(
      fc.record({ type: fc.constant('vend' as const), seq: fc.integer({ min: 1, max: 0xffff }), slot: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ type: fc.constantFrom('dispensed' as const, 'jam' as const, 'no-drop' as const, 'motor-fault' as const, 'unknown-sequence' as const, 'in-progress' as const), seq: fc.integer({ min: 0, max: 0xffff }), slot: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ type: fc.constant('status-of' as const), seq: fc.integer({ min: 1, max: 0xffff }) }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }).map((junk) => junk.map((byte) => (byte === 0xa5 ? 0 : byte))), message, (junk, sent) => {
        const decoder = new DispenseBoardDecoder();
        const results = decoder.push(Uint8Array.from([...junk, ...encodeBoardMessage(sent)]));
        expect(messages(results)).toEqual([sent]);
      }),
      { numRuns: 15_000 },
    );
  });
});
