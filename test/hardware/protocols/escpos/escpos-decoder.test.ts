import { describe, expect, it } from 'vitest';
import { EscPosDecoder, type EscPosCommand } from '../../../../hardware/protocols/escpos/escpos-decoder.js';
import { EscPosEncoder } from '../../../../hardware/protocols/escpos/escpos-encoder.js';

function decodeInChunks(bytes: Uint8Array, sizes: (index: number) => number, encoding: 'gb18030' | 'gbk' | 'utf-8' = 'gb18030'): EscPosCommand[] {
  const decoder = new EscPosDecoder({ chineseEncoding: encoding });
  const commands: EscPosCommand[] = [];
  let offset = 0;
  let index = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, sizes(index++));
    commands.push(...decoder.push(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  commands.push(...decoder.end());
  return commands;
}

const whole = (bytes: Uint8Array, encoding: 'gb18030' | 'gbk' | 'utf-8' = 'gb18030') => decodeInChunks(bytes, () => bytes.length, encoding);

/** A deterministic pseudo-random chunk size generator (no wall clock, reproducible). */
function seededSizes(seed: number, max: number): (index: number) => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (state % max);
  };
}

function sampleReceipt(): Uint8Array {
  return new EscPosEncoder({ chineseEncoding: 'gb18030' })
    .initialize()
    .align('center')
    .bold(true)
    .doubleSize(true)
    .line('测试商户')
    .doubleSize(false)
    .bold(false)
    .align('left')
    .line('牛肉面 ×1            ￥28.00')
    .line('Coca-Cola            ￥5.00')
    .underline(1)
    .invert(true)
    .line('合计 ￥33.00')
    .invert(false)
    .underline(0)
    .qrCode('https://example.com/r/中文?x=1', { moduleSize: 5, errorLevel: 'Q' })
    .qrCodeAsRaster('RASTER', { moduleSize: 2 })
    .barcode('6901234567892', 'ean13')
    .feedLines(3)
    .feedAndCut('partial', 0)
    .kickDrawer(2)
    .realTimeStatus(4)
    .paperSensorStatus()
    .encode();
}

describe('EscPosDecoder', () => {
  it('decodes commands and Chinese text back to what was encoded', () => {
    const commands = whole(sampleReceipt());
    const kinds = commands.map((command) => command.kind);
    expect(kinds.slice(0, 6)).toEqual(['initialize', 'align', 'bold', 'size', 'chinese-mode', 'text']);
    const texts = commands.flatMap((command) => (command.kind === 'text' ? [command.text] : []));
    expect(texts).toEqual(['测试商户', '牛肉面 ×1            ￥28.00', 'Coca-Cola            ￥5.00', '合计 ￥33.00']);
    const store = commands.find((command) => command.kind === 'qr-store');
    expect(store).toMatchObject({ kind: 'qr-store', declaredLength: new TextEncoder().encode('https://example.com/r/中文?x=1').length + 3, text: 'https://example.com/r/中文?x=1' });
    expect(commands).toContainEqual({ kind: 'qr-error-level', level: 'Q' });
    expect(commands).toContainEqual({ kind: 'qr-module-size', moduleSize: 5 });
    expect(commands).toContainEqual({ kind: 'qr-model', model: 2 });
    expect(commands).toContainEqual({ kind: 'qr-print' });
    expect(commands).toContainEqual({ kind: 'barcode', symbology: 67, data: '6901234567892' });
    expect(commands).toContainEqual({ kind: 'cut', mode: 'partial', feedDots: 0 });
    expect(commands).toContainEqual({ kind: 'drawer-kick', pin: 2, onUnits: 50, offUnits: 100 });
    expect(commands).toContainEqual({ kind: 'real-time-status', query: 4 });
    expect(commands).toContainEqual({ kind: 'paper-sensor-status', query: 1 });
    expect(commands.some((command) => command.kind === 'raster-image')).toBe(true);
    expect(commands.some((command) => command.kind === 'unknown' || command.kind === 'malformed')).toBe(false);
  });

  it('gives the same commands when fed one byte at a time', () => {
    const bytes = sampleReceipt();
    expect(decodeInChunks(bytes, () => 1)).toEqual(whole(bytes));
  });

  it('gives the same commands for random splits', () => {
    const bytes = sampleReceipt();
    const expected = whole(bytes);
    for (let seed = 1; seed <= 50; seed += 1) expect(decodeInChunks(bytes, seededSizes(seed, 40))).toEqual(expected);
  });

  it('decodes GBK and UTF-8 profiles', () => {
    const gbk = new EscPosEncoder({ chineseEncoding: 'gbk' }).line('中文￥').encode();
    expect(whole(gbk, 'gbk')).toContainEqual({ kind: 'text', text: '中文￥' });
    const utf8 = new EscPosEncoder({ chineseEncoding: 'utf-8' }).line('中文￥').encode();
    expect(whole(utf8, 'utf-8')).toContainEqual({ kind: 'text', text: '中文￥' });
  });

  it('skips unknown commands and stray control bytes, reporting them, and keeps going', () => {
    const bytes = Uint8Array.from([0x00, 0x1b, 0x99, 0x41, 0x1d, 0xfe, 0x0a, 0x42]);
    expect(whole(bytes)).toEqual([
      { kind: 'unknown', bytes: Uint8Array.from([0x00]) },
      { kind: 'unknown', bytes: Uint8Array.from([0x1b, 0x99]) },
      { kind: 'text', text: 'A' },
      { kind: 'unknown', bytes: Uint8Array.from([0x1d, 0xfe]) },
      { kind: 'line-feed' },
      { kind: 'text', text: 'B' },
    ]);
  });

  it('reports a truncated trailing command at end()', () => {
    const decoder = new EscPosDecoder({ chineseEncoding: 'gb18030' });
    expect(decoder.push(Uint8Array.from([0x41, 0x1d, 0x28, 0x6b, 0x10, 0x00, 0x31]))).toEqual([]);
    expect(decoder.end()).toEqual([
      { kind: 'text', text: 'A' },
      { kind: 'malformed', reason: 'truncated command at end of input', bytes: Uint8Array.from([0x1d, 0x28, 0x6b, 0x10, 0x00, 0x31]) },
    ]);
  });

  it('refuses a raster image larger than its cap instead of buffering it', () => {
    const decoder = new EscPosDecoder({ chineseEncoding: 'gb18030', maxBlockBytes: 1000 });
    const commands = decoder.push(Uint8Array.from([0x1d, 0x76, 0x30, 0x00, 0xff, 0xff, 0xff, 0xff, 0x41, 0x0a]));
    expect(commands[0]).toMatchObject({ kind: 'malformed' });
    expect(commands.slice(1)).toEqual([{ kind: 'text', text: 'A' }, { kind: 'line-feed' }]);
  });

  it('reads a QR store whose declared length is too short as malformed', () => {
    const commands = whole(Uint8Array.from([0x1d, 0x28, 0x6b, 0x02, 0x00, 0x31, 0x50]));
    expect(commands[0]).toMatchObject({ kind: 'malformed', reason: 'QR store shorter than its 3-byte header' });
  });
});
