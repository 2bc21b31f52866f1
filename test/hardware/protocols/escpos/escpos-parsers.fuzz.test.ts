/**
 * Fuzz of every ESC/POS parser (decoder, status parser, and the simulator consuming the decoder):
 * 110,000 random inputs in total. Properties: never throws, always consumes its input, and the
 * result does not depend on how the bytes were chunked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscPosDecoder, type EscPosCommand } from '../../../../hardware/protocols/escpos/escpos-decoder.js';
import { EscPosStatusParser, type StatusReport } from '../../../../hardware/protocols/escpos/escpos-status-parser.js';
import { printerProfiles } from '../../../../hardware/printers/printer-profiles.js';
import { PrinterSimulator } from '../../../../hardware/simulators/printer-simulator.js';

/** Bytes biased towards command prefixes and length fields, so the fuzz reaches deep branches. */
const interestingByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 2, arbitrary: fc.constantFrom(0x1b, 0x1d, 0x1c, 0x10, 0x0a, 0x00, 0x28, 0x6b, 0x76, 0x30, 0x31, 0x50, 0x51, 0x04, 0x40, 0x26, 0x2e, 0x56, 0x61, 0x72, 0x01, 0x02, 0x03, 0xff, 0xd6, 0xa3) },
);
const byteStream = fc.array(interestingByte, { maxLength: 80 }).map((bytes) => Uint8Array.from(bytes));
const cutPoints = fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 8 });

function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((cut) => cut < bytes.length))].sort((left, right) => left - right);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

function decodeAll(chunks: readonly Uint8Array[]): EscPosCommand[] {
  const decoder = new EscPosDecoder({ chineseEncoding: 'gb18030', maxBlockBytes: 4096 });
  const commands: EscPosCommand[] = [];
  for (const chunk of chunks) commands.push(...decoder.push(chunk));
  commands.push(...decoder.end());
  return commands;
}

/** Every input byte is accounted for: skipped bytes are reported, so the output is never empty for non-empty input. */
const consumed = (commands: readonly EscPosCommand[], input: Uint8Array) => input.length === 0 || commands.length > 0;

describe('ESC/POS parsers under random input', { timeout: 90_000 }, () => {
  it('decoder: never throws and accounts for its input (50,000 inputs)', () => {
    fc.assert(
      fc.property(byteStream, (bytes) => {
        const commands = decodeAll([bytes]);
        expect(consumed(commands, bytes)).toBe(true);
      }),
      { numRuns: 50_000 },
    );
  });

  it('decoder: output does not depend on chunking (25,000 inputs)', () => {
    fc.assert(
      fc.property(byteStream, cutPoints, (bytes, cuts) => {
        expect(decodeAll(chunked(bytes, cuts))).toEqual(decodeAll([bytes]));
      }),
      { numRuns: 25_000 },
    );
  });

  it('status parser: never throws, one report per complete reply, chunk-independent (25,000 inputs)', () => {
    const expectation = fc.oneof(
      fc.constant({ kind: 'paper-sensor' } as const),
      fc.constantFrom(1, 2, 3, 4).map((query) => ({ kind: 'real-time', query }) as const),
    );
    fc.assert(
      fc.property(byteStream, fc.array(expectation, { maxLength: 6 }), cutPoints, (bytes, expectations, cuts) => {
        const run = (chunks: readonly Uint8Array[]): StatusReport[] => {
          const parser = new EscPosStatusParser();
          for (const query of expectations) parser.expect(query);
          return chunks.flatMap((chunk) => parser.push(chunk));
        };
        const whole = run([bytes]);
        expect(run(chunked(bytes, cuts))).toEqual(whole);
        const answered = whole.filter((report) => report.kind === 'real-time' || report.kind === 'paper-sensor').length;
        expect(answered).toBeLessThanOrEqual(expectations.length);
      }),
      { numRuns: 25_000 },
    );
  });

  it('printer simulator: never throws on garbage and only replies to status queries (10,000 inputs)', () => {
    fc.assert(
      fc.property(byteStream, fc.constantFrom('none', 'paper-out', 'cover-open', 'silent' as const), (bytes, fault) => {
        const simulator = new PrinterSimulator({ profile: printerProfiles['generic-58mm'], fault });
        const reply = simulator.receive(bytes);
        if (fault === 'silent') expect(reply.length).toBe(0);
        expect(reply.length).toBeLessThanOrEqual(bytes.length * 4);
      }),
      { numRuns: 10_000 },
    );
  });
});
