import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeAdapterEvent,
  encodeCashlessCommand,
  formatMajorPrice,
  parseAdapterLine,
  parseCashlessCommand,
  parseMajorPrice,
  type AdapterEvent,
  type CashlessCommand,
} from '../../../../hardware/protocols/mdb/qibixx-cashless-line.js';
import { TextLineDecoder } from '../../../../hardware/protocols/mdb/text-line-decoder.js';

describe('Qibixx cashless-slave lines', () => {
  it.each<[CashlessCommand, string]>([
    [{ type: 'enable' }, 'C,1'],
    [{ type: 'disable' }, 'C,0'],
    [{ type: 'approve', amountMinor: 100 }, 'C,VEND,1.00'],
    [{ type: 'approve', amountMinor: 1250 }, 'C,VEND,12.50'],
    [{ type: 'approve', amountMinor: 5 }, 'C,VEND,0.05'],
    [{ type: 'deny' }, 'C,VEND,-1'],
    [{ type: 'stop' }, 'C,STOP'],
  ])('command %j is %s, and parses back', (command, line) => {
    expect(encodeCashlessCommand(command)).toBe(line);
    expect(parseCashlessCommand(line)).toEqual({ ok: true, value: command });
  });

  it.each<[string, AdapterEvent]>([
    ['c,STATUS,INACTIVE', { type: 'status', state: 'inactive' }],
    ['c,STATUS,DISABLED', { type: 'status', state: 'disabled' }],
    ['c,STATUS,ENABLED', { type: 'status', state: 'enabled' }],
    ['c,STATUS,IDLE', { type: 'status', state: 'idle' }],
    ['c,STATUS,VEND,1.00,2', { type: 'vend-request', priceMinor: 100, item: 2 }],
    ['c,STATUS,VEND,3.5,17', { type: 'vend-request', priceMinor: 350, item: 17 }],
    ['c,VEND,SUCCESS', { type: 'vend-succeeded' }],
    ['c,VEND,FAIL', { type: 'vend-failed', detail: 'c,VEND,FAIL' }],
    ['c,ERR,VEND 3', { type: 'vend-failed', detail: 'c,ERR,VEND 3' }],
    ['c,ERR,UNKNOWN COMMAND', { type: 'error', detail: 'UNKNOWN COMMAND' }],
    ['r,ACK', { type: 'ack', line: 'r,ACK' }],
    ['c,1', { type: 'ack', line: 'c,1' }],
  ])('adapter line %s', (line, event) => {
    expect(parseAdapterLine(line)).toEqual({ ok: true, value: event });
  });

  it.each(['', 'hello', 'c,STATUS,VEND,abc,2', 'c,STATUS,VEND,1.005,2', 'c,STATUS,VEND,1.00', 'c,STATUS,VEND,1.00,x', 'c,VEND,MAYBE', 'C,VEND,1.00'])('rejects %j as a bad line', (line) => {
    expect(parseAdapterLine(line).ok).toBe(false);
  });

  it('encodes what the simulator reports in the documented form', () => {
    expect(encodeAdapterEvent({ type: 'vend-request', priceMinor: 100, item: 2 })).toBe('c,STATUS,VEND,1.00,2');
    expect(encodeAdapterEvent({ type: 'status', state: 'enabled' })).toBe('c,STATUS,ENABLED');
    expect(encodeAdapterEvent({ type: 'vend-succeeded' })).toBe('c,VEND,SUCCESS');
  });

  it('converts prices in fen without floats', () => {
    expect(parseMajorPrice('0.01')).toBe(1);
    expect(parseMajorPrice('19.9')).toBe(1990);
    expect(parseMajorPrice('-1')).toBeUndefined();
    expect(parseMajorPrice('1e3')).toBeUndefined();
    expect(formatMajorPrice(1990)).toBe('19.90');
    expect(() => formatMajorPrice(1.5)).toThrow();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), (fen) => {
        expect(parseMajorPrice(formatMajorPrice(fen))).toBe(fen);
      }),
    );
  });

  it('parses 20,000 random lines in both directions without throwing', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.array(fc.constantFrom('c', 'C', 'r', 'STATUS', 'VEND', 'ERR', 'SUCCESS', 'FAIL', '1', '0', '-1', '1.00', '3.5', 'IDLE', 'x', ''), { maxLength: 6 }).map((parts) => parts.join(',')),
    );
    fc.assert(
      fc.property(line, (text) => {
        const adapter = parseAdapterLine(text);
        if (adapter.ok && adapter.value.type === 'vend-request') expect(Number.isSafeInteger(adapter.value.priceMinor)).toBe(true);
        const command = parseCashlessCommand(text);
        if (command.ok) expect(parseCashlessCommand(encodeCashlessCommand(command.value))).toEqual(command);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('TextLineDecoder', () => {
  it('splits on CR, LF and CRLF however the bytes are chunked', () => {
    const bytes = new TextEncoder().encode('c,STATUS,ENABLED\r\nc,STATUS,VEND,1.00,2\nr,ACK\rc,VEND,SUCCESS\r\n');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const decoder = new TextLineDecoder();
      const lines = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))].flatMap((result) => (result.ok ? [result.line] : []));
      expect(lines).toEqual(['c,STATUS,ENABLED', 'c,STATUS,VEND,1.00,2', 'r,ACK', 'c,VEND,SUCCESS']);
    }
  });

  it('reports an over-long line once and recovers at the next line end', () => {
    const decoder = new TextLineDecoder(8);
    const results = decoder.push(new TextEncoder().encode('0123456789abcdef\nr,ACK\n'));
    expect(results).toEqual([
      { ok: false, error: { code: 'line-too-long', length: 16 } },
      { ok: true, line: 'r,ACK' },
    ]);
  });

  it('survives 15,000 random floods without throwing or growing past its limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 5 }), (chunks) => {
        const decoder = new TextLineDecoder(32);
        for (const chunk of chunks) for (const result of decoder.push(chunk)) if (result.ok) expect(result.line.length).toBeLessThanOrEqual(32);
      }),
      { numRuns: 15_000 },
    );
  });
});
