import { describe, expect, it } from 'vitest';
import { HidPosReportAssembler, encodeHidPosReports } from '../../../../hardware/protocols/scanner/hid-pos-report-assembler.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** A 64-byte scanned-data report, built by hand (golden layout). */
function report(data: string, aim: string, more: boolean): Uint8Array {
  const out = new Uint8Array(64);
  out[0] = 0x02;
  out[1] = data.length;
  out.set(bytes(aim), 2);
  out.set(bytes(data), 5);
  out[63] = more ? 1 : 0;
  return out;
}

describe('HidPosReportAssembler', () => {
  it('reads a one-report EAN-13 with its AIM id', () => {
    const result = new HidPosReportAssembler().push(report('4006381333931', ']E0', false));
    expect(result).toEqual({ kind: 'code', aim: ']E0', data: bytes('4006381333931') });
  });

  it('reassembles a code spread over several reports', () => {
    const assembler = new HidPosReportAssembler();
    const long = 'https://qr.alipay.com/bax00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000';
    const parts = [long.slice(0, 56), long.slice(56, 112), long.slice(112)];
    expect(assembler.push(report(parts[0] ?? '', ']Q1', true))).toEqual({ kind: 'partial' });
    expect(assembler.isPartial).toBe(true);
    expect(assembler.push(report(parts[1] ?? '', ']Q1', true))).toEqual({ kind: 'partial' });
    const last = assembler.push(report(parts[2] ?? '', ']Q1', false));
    expect(last.kind === 'code' && text(last.data)).toBe(long);
    expect(assembler.isPartial).toBe(false);
  });

  it('ignores other report ids without losing a code in progress', () => {
    const assembler = new HidPosReportAssembler();
    assembler.push(report('ABC', ']Q1', true));
    expect(assembler.push(Uint8Array.of(0x04, 0, 0))).toEqual({ kind: 'ignored', reportId: 4 });
    const result = assembler.push(report('DEF', ']Q1', false));
    expect(result.kind === 'code' && text(result.data)).toBe('ABCDEF');
  });

  it.each([
    ['empty', new Uint8Array(0), 'truncated-report'],
    ['short', Uint8Array.of(2, 3, 0x5d, 0x45, 0x30, 0x31), 'truncated-report'],
    ['length beyond the data field', (() => { const r = report('1', ']E0', false); r[1] = 57; return r; })(), 'length-out-of-range'],
  ])('reports a %s report as a fault', (_name, input, fault) => {
    expect(new HidPosReportAssembler().push(input)).toMatchObject({ kind: 'fault', fault });
  });

  it('a flood of more-follows reports stops at maxCodeBytes and resets', () => {
    const assembler = new HidPosReportAssembler({ maxCodeBytes: 100 });
    expect(assembler.push(report('x'.repeat(56), ']Q1', true)).kind).toBe('partial');
    expect(assembler.push(report('x'.repeat(56), ']Q1', true))).toMatchObject({ kind: 'fault', fault: 'code-too-long' });
    const result = assembler.push(report('ok', ']Q1', false));
    expect(result.kind === 'code' && text(result.data)).toBe('ok');
  });

  it('encodeHidPosReports is the inverse, for any length including 0 and exact multiples of 56', () => {
    for (const length of [0, 1, 55, 56, 57, 112, 300]) {
      const data = Uint8Array.from({ length }, (_, index) => (index * 7) & 0xff);
      const assembler = new HidPosReportAssembler();
      const results = encodeHidPosReports(data, ']Q1').map((r) => assembler.push(r));
      expect(results.at(-1)).toEqual({ kind: 'code', aim: ']Q1', data });
      expect(results.slice(0, -1).every((r) => r.kind === 'partial')).toBe(true);
    }
  });
});
