import { describe, expect, it } from 'vitest';
import { ScannerLineFramer, type ScannerFrame } from '../../../../hardware/protocols/scanner/scanner-line-framer.js';

const bytes = (value: string) => new TextEncoder().encode(value);

function feedInChunks(input: Uint8Array, sizes: number[], framer = new ScannerLineFramer()): ScannerFrame[] {
  const frames: ScannerFrame[] = [];
  let offset = 0;
  let turn = 0;
  while (offset < input.length) {
    const size = Math.max(1, sizes[turn % sizes.length] ?? 1);
    frames.push(...framer.push(input.subarray(offset, offset + size)));
    offset += size;
    turn += 1;
  }
  return frames;
}

describe('ScannerLineFramer', () => {
  const stream = bytes('281234567890123456\r134567890123456789\r\n6901234567892\n\r\n中文码\r');
  const expected = ['281234567890123456', '134567890123456789', '6901234567892', '中文码'].map((text) => ({ kind: 'code', text }));

  it.each([[[1]], [[2]], [[3, 1]], [[7, 5, 1]], [[1000]], [[19, 1, 1]]])('frames CR, LF and CRLF the same in chunks of %j', (sizes) => {
    expect(feedInChunks(stream, sizes)).toEqual(expected);
  });

  it('a CRLF split between chunks gives no empty code', () => {
    const framer = new ScannerLineFramer();
    expect(framer.push(bytes('ABCDEF\r'))).toEqual([{ kind: 'code', text: 'ABCDEF' }]);
    expect(framer.push(bytes('\nXYZ'))).toEqual([]);
    expect(framer.pendingBytes).toBe(3);
    expect(framer.push(bytes('\r'))).toEqual([{ kind: 'code', text: 'XYZ' }]);
  });

  it('an overlong line is discarded up to its terminator and reported once', () => {
    const framer = new ScannerLineFramer({ maxLineBytes: 8 });
    expect(framer.push(bytes('0123456789ABCDEF'))).toEqual([]);
    expect(framer.push(bytes('GH\rOK1234\r'))).toEqual([
      { kind: 'overflow', discardedBytes: 18 },
      { kind: 'code', text: 'OK1234' },
    ]);
  });

  it('reset drops the line in progress', () => {
    const framer = new ScannerLineFramer();
    framer.push(bytes('half'));
    framer.reset();
    expect(framer.push(bytes('whole\r'))).toEqual([{ kind: 'code', text: 'whole' }]);
  });
});
