import { describe, expect, it } from 'vitest';
import { EscPosStatusParser, type StatusReport } from '../../../../hardware/protocols/escpos/escpos-status-parser.js';
import { automaticStatusBackReply, paperSensorReply, realTimeStatusReply, type PrinterMechanismState } from '../../../../hardware/protocols/escpos/escpos-status-replies.js';

const ok: PrinterMechanismState = { paperOut: false, paperNearEnd: false, coverOpen: false, error: false };

describe('EscPosStatusParser', () => {
  it('reads DLE EOT replies in the order the queries were sent', () => {
    const parser = new EscPosStatusParser();
    for (const query of [1, 2, 3, 4] as const) parser.expect({ kind: 'real-time', query });
    // Epson examples: 0x16 = online with drawer pin high; 0x1E offline; 0x32 paper end stop; 0x72 paper out.
    const reports = parser.push(Uint8Array.from([0x1e, 0x36, 0x12, 0x7e]));
    expect(reports).toEqual([
      { kind: 'real-time', query: 1, byte: 0x1e, conditions: ['offline'] },
      { kind: 'real-time', query: 2, byte: 0x36, conditions: ['cover-open', 'paper-out'] },
      { kind: 'real-time', query: 3, byte: 0x12, conditions: [] },
      { kind: 'real-time', query: 4, byte: 0x7e, conditions: ['paper-near-end', 'paper-out'] },
    ]);
    expect(parser.pendingQueries).toBe(0);
  });

  it('reads GS r 1 replies: bits 0-1 near end, 2-3 paper end', () => {
    const parser = new EscPosStatusParser();
    parser.expect({ kind: 'paper-sensor' });
    parser.expect({ kind: 'paper-sensor' });
    parser.expect({ kind: 'paper-sensor' });
    expect(parser.push(Uint8Array.from([0x00, 0x03, 0x0f])).map((report) => (report.kind === 'paper-sensor' ? report.conditions : null))).toEqual([
      [],
      ['paper-near-end'],
      ['paper-near-end', 'paper-out'],
    ]);
  });

  it('reads automatic status back blocks even between expected replies, in 1-byte chunks', () => {
    const parser = new EscPosStatusParser();
    parser.expect({ kind: 'real-time', query: 1 });
    const asb = automaticStatusBackReply({ ...ok, coverOpen: true });
    const stream = Uint8Array.from([...asb, 0x16]);
    const reports: StatusReport[] = [];
    for (const byte of stream) reports.push(...parser.push(Uint8Array.of(byte)));
    expect(reports).toEqual([
      { kind: 'automatic-status-back', bytes: asb, conditions: ['offline', 'cover-open'] },
      { kind: 'real-time', query: 1, byte: 0x16, conditions: [] },
    ]);
  });

  it('reports unexpected and malformed bytes without losing the expectation', () => {
    const parser = new EscPosStatusParser();
    expect(parser.push(Uint8Array.of(0x11))).toEqual([{ kind: 'invalid', reason: 'unexpected-byte', byte: 0x11 }]);
    parser.expect({ kind: 'real-time', query: 2 });
    expect(parser.push(Uint8Array.of(0x13, 0x12))).toEqual([
      { kind: 'invalid', reason: 'bad-fixed-bits', byte: 0x13 },
      { kind: 'real-time', query: 2, byte: 0x12, conditions: [] },
    ]);
    parser.expect({ kind: 'paper-sensor' });
    parser.forget({ kind: 'paper-sensor' });
    expect(parser.push(Uint8Array.of(0x00))).toEqual([{ kind: 'invalid', reason: 'unexpected-byte', byte: 0x00 }]);
  });

  it('agrees with the simulator replies for every mechanism state', () => {
    const flags = [false, true];
    for (const paperOut of flags) for (const paperNearEnd of flags) for (const coverOpen of flags) for (const error of flags) {
      const state = { paperOut, paperNearEnd, coverOpen, error };
      const parser = new EscPosStatusParser();
      const bytes: number[] = [];
      for (const query of [1, 2, 3, 4] as const) {
        parser.expect({ kind: 'real-time', query });
        bytes.push(realTimeStatusReply(query, state));
      }
      parser.expect({ kind: 'paper-sensor' });
      bytes.push(paperSensorReply(state), ...automaticStatusBackReply(state));
      const conditions = new Set<string>(parser.push(Uint8Array.from(bytes)).flatMap((report): readonly string[] => (report.kind === 'invalid' ? ['invalid'] : report.conditions)));
      expect(conditions.has('invalid')).toBe(false);
      expect(conditions.has('paper-out')).toBe(paperOut);
      expect(conditions.has('paper-near-end')).toBe(paperOut || paperNearEnd);
      expect(conditions.has('cover-open')).toBe(coverOpen);
      expect(conditions.has('error')).toBe(error);
      expect(conditions.has('offline')).toBe(paperOut || coverOpen || error);
    }
  });
});
