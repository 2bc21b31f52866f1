import { describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { EscPosEncodeError, EscPosEncoder, qrCodeImage } from '../../../../hardware/protocols/escpos/escpos-encoder.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').replace(/(..)/g, '$1 ').trim().toUpperCase();
const gb = () => new EscPosEncoder({ chineseEncoding: 'gb18030' });

describe('EscPosEncoder golden bytes (docs/receipt-printers.md#escpos-command-reference)', () => {
  it('initializes with ESC @', () => {
    expect(hex(gb().initialize().encode())).toBe('1B 40');
  });

  it('encodes text styles', () => {
    expect(hex(gb().bold(true).bold(false).encode())).toBe('1B 45 01 1B 45 00');
    expect(hex(gb().underline(1).underline(2).underline(0).encode())).toBe('1B 2D 01 1B 2D 02 1B 2D 00');
    expect(hex(gb().align('left').align('center').align('right').encode())).toBe('1B 61 00 1B 61 01 1B 61 02');
    expect(hex(gb().doubleSize(true).doubleSize(false).encode())).toBe('1D 21 11 1D 21 00');
    expect(hex(gb().size(3, 2).encode())).toBe('1D 21 21');
    expect(hex(gb().invert(true).invert(false).encode())).toBe('1D 42 01 1D 42 00');
    expect(hex(gb().feedLines(3).encode())).toBe('1B 64 03');
  });

  it('writes ASCII text and lines as plain bytes', () => {
    expect(hex(gb().line('Hi!').encode())).toBe('48 69 21 0A');
  });

  it('writes Chinese in GB18030 after FS & once: 中文 = D6 D0 CE C4', () => {
    expect(hex(gb().text('中文').encode())).toBe('1C 26 D6 D0 CE C4');
    expect(hex(gb().text('中').text('文').encode())).toBe('1C 26 D6 D0 CE C4');
  });

  it('prints ￥ as full-width A3 A4 and maps U+00A5 to it, never 81 30 84 36', () => {
    expect(hex(gb().text('￥12.50').encode())).toBe('1C 26 A3 A4 31 32 2E 35 30');
    const halfWidth = gb().text('\u00A512.50').encode();
    expect(hex(halfWidth)).toBe('1C 26 A3 A4 31 32 2E 35 30');
    expect(hex(halfWidth)).not.toContain('81 30 84 36');
  });

  it('uses GBK or UTF-8 per profile', () => {
    expect(hex(new EscPosEncoder({ chineseEncoding: 'gbk' }).text('中文￥').encode())).toBe('1C 26 D6 D0 CE C4 A3 A4');
    expect(hex(new EscPosEncoder({ chineseEncoding: 'utf-8' }).text('中￥').encode())).toBe('1C 26 E4 B8 AD EF BF A5');
  });

  it('leaves Chinese mode with FS . before selecting a code page', () => {
    expect(hex(gb().text('中').selectCodePage('cp850').text('Ç').encode())).toBe('1C 26 D6 D0 1C 2E 1B 74 02 80');
    expect(hex(gb().selectCodePage('cp437').encode())).toBe('1B 74 00');
    expect(hex(gb().enterChineseMode().leaveChineseMode().leaveChineseMode().encode())).toBe('1C 26 1C 2E');
  });

  it('never lets text smuggle control bytes', () => {
    expect(hex(gb().text('a\u001bb中').encode())).toBe('1C 26 61 3F 62 D6 D0');
  });

  it('encodes a native QR code with byte-correct store lengths', () => {
    const bytes = gb().qrCode('ABC', { moduleSize: 6, errorLevel: 'M' }).encode();
    expect(hex(bytes)).toBe(
      [
        '1D 28 6B 04 00 31 41 32 00',
        '1D 28 6B 03 00 31 43 06',
        '1D 28 6B 03 00 31 45 31',
        '1D 28 6B 06 00 31 50 30 41 42 43',
        '1D 28 6B 03 00 31 51 30',
      ].join(' '),
    );
  });

  it('counts QR store length in UTF-8 bytes, not characters: 中文 is 6 bytes → pL 09', () => {
    const bytes = hex(gb().qrCode('中文', { errorLevel: 'L' }).encode());
    expect(bytes).toContain('1D 28 6B 03 00 31 45 30');
    expect(bytes).toContain('1D 28 6B 09 00 31 50 30 E4 B8 AD E6 96 87');
  });

  it('sets pH for data of 253 bytes or more', () => {
    const data = 'x'.repeat(300);
    const bytes = gb().qrCode(data).encode();
    const storeLength = 303;
    const header = [0x1d, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30];
    expect(hex(bytes)).toContain(hex(Uint8Array.from(header)));
    expect(storeLength & 0xff).toBe(0x2f);
    expect(storeLength >> 8).toBe(0x01);
  });

  it('encodes raster images with GS v 0 and rows padded to whole bytes', () => {
    const pixels = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const bytes = gb().rasterImage({ widthDots: 9, heightDots: 2, pixels }).encode();
    expect(hex(bytes)).toBe('1D 76 30 00 02 00 02 00 80 80 00 80');
  });

  it('falls back to a raster QR whose dots match the qrcode matrix', () => {
    const image = qrCodeImage('HELLO', { moduleSize: 2 });
    const modules = QRCode.create('HELLO', { errorCorrectionLevel: 'M' }).modules;
    expect(image.widthDots).toBe((modules.size + 8) * 2);
    expect(image.pixels[(4 * 2) * image.widthDots + 4 * 2]).toBe(modules.get(0, 0) ? 1 : 0);
    const bytes = gb().qrCodeAsRaster('HELLO', { moduleSize: 2 }).encode();
    const widthBytes = Math.ceil(image.widthDots / 8);
    expect(hex(bytes.subarray(0, 8))).toBe(hex(Uint8Array.from([0x1d, 0x76, 0x30, 0x00, widthBytes, 0, image.heightDots, 0])));
    expect(bytes.length).toBe(8 + widthBytes * image.heightDots);
  });

  it('encodes 1-D barcodes with GS h, GS w, GS H and GS k format B', () => {
    const bytes = gb().barcode('6901234567892', 'ean13', { heightDots: 100, moduleWidth: 2, hri: 'below' }).encode();
    expect(hex(bytes)).toBe('1D 68 64 1D 77 02 1D 48 02 1D 6B 43 0D ' + hex(new TextEncoder().encode('6901234567892')));
    expect(hex(gb().barcode('AB-1', 'code128').encode()).endsWith('1D 6B 49 04 41 42 2D 31')).toBe(true);
  });

  it('cuts and kicks the drawer', () => {
    expect(hex(gb().cut('full').encode())).toBe('1D 56 00');
    expect(hex(gb().cut('partial').encode())).toBe('1D 56 01');
    expect(hex(gb().feedAndCut('partial', 0).encode())).toBe('1D 56 42 00');
    expect(hex(gb().feedAndCut('full', 16).encode())).toBe('1D 56 41 10');
    expect(hex(gb().kickDrawer(2, 100, 200).encode())).toBe('1B 70 00 32 64');
    expect(hex(gb().kickDrawer(5, 0, 0).encode())).toBe('1B 70 01 00 00');
  });

  it('encodes status queries', () => {
    expect(hex(gb().realTimeStatus(1).realTimeStatus(4).encode())).toBe('10 04 01 10 04 04');
    expect(hex(gb().automaticStatusBack(0xff).encode())).toBe('1D 61 FF');
    expect(hex(gb().paperSensorStatus().encode())).toBe('1D 72 01');
    expect(hex(gb().recover().encode())).toBe('10 05 02');
  });

  it('rejects out-of-range parameters instead of wrapping them', () => {
    expect(() => gb().size(9, 1)).toThrow(EscPosEncodeError);
    expect(() => gb().feedLines(256)).toThrow(EscPosEncodeError);
    expect(() => gb().qrCode('')).toThrow(EscPosEncodeError);
    expect(() => gb().qrCode('a', { moduleSize: 17 })).toThrow(EscPosEncodeError);
    expect(() => gb().barcode('中', 'code128')).toThrow(EscPosEncodeError);
    expect(() => gb().rasterImage({ widthDots: 8, heightDots: 2, pixels: new Uint8Array(3) })).toThrow(EscPosEncodeError);
  });

  it('grows its buffer without losing bytes', () => {
    const encoder = gb();
    for (let index = 0; index < 2000; index += 1) encoder.line('0123456789');
    const bytes = encoder.encode();
    expect(bytes.length).toBe(22_000);
    expect(bytes[21_999]).toBe(0x0a);
  });
});
