/**
 * Property tests over random input for every scanner parser and the classifier: ≥ 100,000
 * generated cases in total (see `runs` below). None may throw; each keeps its invariants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCode, walletRules } from '../../../../hardware/protocols/scanner/code-classifier.js';
import { encodeCouponCode } from '../../../../hardware/protocols/scanner/coupon-code.js';
import { HidPosReportAssembler, encodeHidPosReports } from '../../../../hardware/protocols/scanner/hid-pos-report-assembler.js';
import { KeyboardWedgeDetector, type WedgeDecision } from '../../../../renderer/input/keyboard-wedge-detector.js';
import { ScannerLineFramer, type ScannerFrame } from '../../../../hardware/protocols/scanner/scanner-line-framer.js';
import { crc16Hex } from '../../../../kernel/crc16-ccitt-false.js';

const runs = {
  classifierAnyText: 25_000,
  classifierDigits: 20_000,
  classifierWallets: 5_000,
  classifierEmv: 5_000,
  coupons: 5_000,
  hidAnyReports: 10_000,
  hidRoundTrip: 5_000,
  framerChunking: 10_000,
  wedgeConservation: 10_000,
  wedgeScans: 5_000,
};

const knownKinds = new Set(['payment-code', 'emv-mpm', 'coupon', 'product', 'rejected']);

describe('fuzz: code classifier', { timeout: 90_000 }, () => {
  it('never throws on any text and always gives a known kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 32 }), fc.string({ maxLength: 40 }).map((text) => `0002${text}`), fc.string({ maxLength: 32 }).map((text) => `CPN-${text}`)), (text) => knownKinds.has(classifyCode(text).kind)),
      { numRuns: runs.classifierAnyText },
    );
  });

  it('digit strings: a payment code exactly when prefix and length match a wallet rule', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,30}$/), (digits) => {
        const result = classifyCode(digits);
        const rule = walletRules.find((candidate) => candidate.prefixes.includes(Number(digits.slice(0, 2))) && candidate.lengths.includes(digits.length));
        if (rule && digits.length >= 2) expect(result).toMatchObject({ kind: 'payment-code', wallet: rule.wallet });
        else expect(result.kind === 'product' || result.kind === 'rejected').toBe(true);
        if (result.kind === 'product') expect([8, 12, 13]).toContain(digits.length);
      }),
      { numRuns: runs.classifierDigits },
    );
  });

  it('every code generated from a wallet rule is classified as that wallet', () => {
    const digits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 24, maxLength: 24 }).map((values) => values.join(''));
    const walletCode = fc.tuple(fc.constantFrom(...walletRules), fc.nat(), fc.nat(), digits).map(([rule, prefixPick, lengthPick, rest]) => {
      const prefix = rule.prefixes[prefixPick % rule.prefixes.length] ?? 0;
      const length = rule.lengths[lengthPick % rule.lengths.length] ?? 0;
      return { wallet: rule.wallet, code: `${prefix}${rest}`.slice(0, length) };
    });
    fc.assert(
      fc.property(walletCode, ({ wallet, code }) => {
        expect(classifyCode(code)).toEqual({ kind: 'payment-code', wallet, code });
      }),
      { numRuns: runs.classifierWallets },
    );
  });

  it('EMV payloads with a correct CRC are accepted; a changed CRC digit is always refused', () => {
    const tlv = (id: string, value: string) => `${id}${String([...value].length).padStart(2, '0')}${value}`;
    const payload = fc
      .tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 25 }), fc.stringMatching(/^[0-9]{1,3}\.[0-9]{2}$/), fc.constantFrom('11', '12'))
      .map(([name, amount, initiation]) => {
        const body = tlv('00', '01') + tlv('01', initiation) + tlv('53', '156') + tlv('54', amount) + tlv('58', 'CN') + tlv('59', name);
        return `${body}6304${crc16Hex(`${body}6304`)}`;
      });
    fc.assert(
      fc.property(payload, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 15 }), (text, position, delta) => {
        expect(classifyCode(text)).toMatchObject({ kind: 'emv-mpm', payload: text });
        const crcIndex = text.length - 4 + position;
        const digit = Number.parseInt(text[crcIndex] ?? '0', 16);
        const changed = `${text.slice(0, crcIndex)}${((digit + delta) % 16).toString(16).toUpperCase()}${text.slice(crcIndex + 1)}`;
        expect(classifyCode(changed)).toMatchObject({ kind: 'rejected', reason: 'emv-crc-mismatch' });
      }),
      { numRuns: runs.classifierEmv },
    );
  });

  it('coupons round-trip and a single changed payload character is refused', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{6,32}$/), fc.nat(), fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), (payload, at, replacement) => {
        const code = encodeCouponCode(payload);
        expect(classifyCode(code)).toEqual({ kind: 'coupon', code, payload });
        const index = 4 + (at % payload.length);
        fc.pre(code[index] !== replacement);
        const changed = `${code.slice(0, index)}${replacement}${code.slice(index + 1)}`;
        expect(classifyCode(changed)).toMatchObject({ kind: 'rejected', reason: 'coupon-check-mismatch' });
      }),
      { numRuns: runs.coupons },
    );
  });
});

describe('fuzz: HID POS report assembler', { timeout: 90_000 }, () => {
  it('never throws on any sequence of reports, and never returns a code longer than its limit', () => {
    const report = fc.oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 64, maxLength: 64 }).map((bytes) => ((bytes[0] = 2), bytes)));
    fc.assert(
      fc.property(fc.array(report, { maxLength: 8 }), (reports) => {
        const assembler = new HidPosReportAssembler({ maxCodeBytes: 200 });
        for (const input of reports) {
          const result = assembler.push(input);
          if (result.kind === 'code') expect(result.data.length).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: runs.hidAnyReports },
    );
  });

  it('decodes exactly what encodeHidPosReports encoded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.stringMatching(/^\][A-Za-z][0-9A-Za-z]$/), (data, aim) => {
        const assembler = new HidPosReportAssembler();
        const results = encodeHidPosReports(data, aim).map((input) => assembler.push(input));
        expect(results.at(-1)).toEqual({ kind: 'code', aim, data });
      }),
      { numRuns: runs.hidRoundTrip },
    );
  });
});

describe('fuzz: serial scanner line framer', { timeout: 90_000 }, () => {
  it('gives the same frames however the bytes are chunked', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), (values, sizes) => {
        const input = Uint8Array.from(values);
        const whole = new ScannerLineFramer({ maxLineBytes: 64 }).push(input);
        const framer = new ScannerLineFramer({ maxLineBytes: 64 });
        const chunked: ScannerFrame[] = [];
        for (let offset = 0, turn = 0; offset < input.length; turn += 1) {
          const size = sizes[turn % sizes.length] ?? 1;
          chunked.push(...framer.push(input.subarray(offset, offset + size)));
          offset += size;
        }
        expect(chunked).toEqual(whole);
        for (const frame of whole) if (frame.kind === 'code') expect(frame.text).not.toMatch(/[\r\n]/);
      }),
      { numRuns: runs.framerChunking },
    );
  });
});

describe('fuzz: keyboard wedge detector', { timeout: 90_000 }, () => {
  const key = fc.oneof(fc.constantFrom('Enter', 'Tab', 'Shift', 'Backspace', 'ArrowLeft'), fc.string({ minLength: 1, maxLength: 1 }));

  it('never loses or invents a key: typed keys + scans (+ suffix) account for every non-modifier key', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer({ min: -5, max: 120 })), { maxLength: 60 }), fc.option(fc.constantFrom('~', ']C')), (events, prefix) => {
        const detector = new KeyboardWedgeDetector({ suffixes: ['Enter', 'Tab'], prefix: prefix ?? undefined });
        let time = 0;
        let counted = 0;
        let accounted = 0;
        const tally = (decisions: ReturnType<KeyboardWedgeDetector['push']>) => {
          for (const decision of decisions) accounted += decision.kind === 'typing' ? decision.keys.length : [...decision.code].length + [...(prefix ?? '')].length + 1;
        };
        for (const [name, gap] of events) {
          time += gap;
          if (name !== 'Shift') counted += 1;
          tally(detector.push({ key: name, timeMs: time }));
        }
        tally(detector.flush(time + 10_000));
        expect(accounted).toBe(counted);
        expect(detector.heldKeys).toBe(0);
      }),
      { numRuns: runs.wedgeConservation },
    );
  });

  it('any code of ≥ 6 printable characters typed at scanner speed with Enter is one scan', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-./:'), minLength: 6, maxLength: 80 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1 }), (code, gaps) => {
        const detector = new KeyboardWedgeDetector();
        const decisions: WedgeDecision[] = [];
        let time = 0;
        [...code, 'Enter'].forEach((name, index) => {
          time += gaps[index % gaps.length] ?? 0;
          decisions.push(...detector.push({ key: name, timeMs: time }));
        });
        expect(decisions).toEqual([{ kind: 'scan', code, startedAtMs: gaps[0] ?? 0, endedAtMs: time }]);
      }),
      { numRuns: runs.wedgeScans },
    );
  });

  it('adds up to at least 100,000 generated inputs', () => {
    expect(Object.values(runs).reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(100_000);
  });
});
