/**
 * ESC/POS encoder: a chainable builder that only produces bytes (no I/O, no clock). Every method
 * appends one command; `encode()` returns the bytes so far. Byte values follow
 * docs/receipt-printers.md#escpos-command-reference and Epson's ESC/POS command reference.
 *
 * Contract:
 * - Text is written as plain bytes while it is 7-bit ASCII; any other character switches the
 *   printer to Chinese mode (`FS &`, 1C 26) once and is encoded in the profile's multi-byte
 *   encoding (GB18030, GBK or UTF-8). After an explicit `selectCodePage` (which leaves Chinese
 *   mode with `FS .`, 1C 2E) text is encoded in that code page instead, until `enterChineseMode`
 *   or `initialize`. U+00A5 ¥ is printed as full-width ￥ (GB18030 A3 A4) in Chinese mode.
 * - Numeric arguments out of range throw `EscPosEncodeError` (a programming error, never a
 *   runtime condition): the encoder never emits a truncated or wrapped parameter.
 */
import QRCode from 'qrcode';
import {
  encodePrinterText,
  isPlainAscii,
  normalizePrinterText,
  singleByteCodePages,
  type ChineseEncoding,
  type SingleByteCodePage,
} from './printer-text-encoding.js';

export class EscPosEncodeError extends Error {
  override readonly name = 'EscPosEncodeError';
}

export type TextAlignment = 'left' | 'center' | 'right';
export type QrErrorLevel = 'L' | 'M' | 'Q' | 'H';
export type CutMode = 'full' | 'partial';
/** GS k format B symbologies (m = 65..73). */
export const barcodeSymbologies = { 'upc-a': 65, 'upc-e': 66, ean13: 67, ean8: 68, code39: 69, itf: 70, codabar: 71, code93: 72, code128: 73 } as const;
export type BarcodeSymbology = keyof typeof barcodeSymbologies;

export interface EscPosEncoderOptions {
  /** Multi-byte encoding used in Chinese mode. */
  readonly chineseEncoding: ChineseEncoding;
  /** Code page the printer starts in after `ESC @` (defaults to cp437, table 0). */
  readonly codePage?: SingleByteCodePage | undefined;
}

export interface QrOptions {
  /** Module size in dots, 1..16 (GS ( k 'C'). */
  readonly moduleSize?: number | undefined;
  readonly errorLevel?: QrErrorLevel | undefined;
}

/** A 1-bit image: `pixels[y * widthDots + x]` non-zero means black. */
export interface MonochromeImage {
  readonly widthDots: number;
  readonly heightDots: number;
  readonly pixels: Uint8Array;
}

export interface BarcodeOptions {
  readonly heightDots?: number | undefined;
  /** Module width 2..6 (GS w). */
  readonly moduleWidth?: number | undefined;
  readonly hri?: 'none' | 'above' | 'below' | 'both' | undefined;
}

const qrErrorLevels: Record<QrErrorLevel, number> = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 };
const alignments: Record<TextAlignment, number> = { left: 0, center: 1, right: 2 };
const hriPositions = { none: 0, above: 1, below: 2, both: 3 } as const;

function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EscPosEncodeError(`${what} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

const textEncoder = new TextEncoder();

export class EscPosEncoder {
  private buffer = new Uint8Array(1024);
  private length = 0;
  private chineseMode = false;
  private codePage: SingleByteCodePage;
  /** True after selectCodePage: non-ASCII text uses the code page, not Chinese mode. */
  private singleByteText = false;

  constructor(private readonly options: EscPosEncoderOptions) {
    this.codePage = options.codePage ?? 'cp437';
  }

  /** The bytes appended so far (a copy; the encoder can keep going). */
  encode(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** Raw bytes, appended as they are (for commands this encoder does not model). */
  raw(bytes: ArrayLike<number>): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** `ESC @` (1B 40): clears modes; the printer leaves Chinese mode and returns to its code page. */
  initialize(): this {
    this.chineseMode = false;
    this.singleByteText = false;
    this.codePage = this.options.codePage ?? 'cp437';
    return this.bytes3(0x1b, 0x40, -1);
  }

  /** `ESC t n` (1B 74 n); leaves Chinese mode first (`FS .`). */
  selectCodePage(codePage: SingleByteCodePage): this {
    this.leaveChineseMode();
    this.codePage = codePage;
    this.singleByteText = true;
    return this.bytes3(0x1b, 0x74, singleByteCodePages[codePage]);
  }

  /** `FS &` (1C 26), idempotent. */
  enterChineseMode(): this {
    this.singleByteText = false;
    if (!this.chineseMode) {
      this.chineseMode = true;
      this.bytes3(0x1c, 0x26, -1);
    }
    return this;
  }

  /** `FS .` (1C 2E), idempotent. */
  leaveChineseMode(): this {
    if (this.chineseMode) {
      this.chineseMode = false;
      this.bytes3(0x1c, 0x2e, -1);
    }
    return this;
  }

  /** Text without a line feed; see the class contract for encodings. */
  text(text: string): this {
    if (isPlainAscii(text)) {
      this.reserve(text.length);
      for (let index = 0; index < text.length; index += 1) this.buffer[this.length + index] = text.charCodeAt(index);
      this.length += text.length;
      return this;
    }
    if (this.singleByteText) return this.raw(encodePrinterText(text, this.codePage));
    this.enterChineseMode();
    return this.raw(encodePrinterText(normalizePrinterText(text), this.options.chineseEncoding));
  }

  /** Text followed by LF (0A). */
  line(text = ''): this {
    if (text.length > 0) this.text(text);
    return this.bytes3(0x0a, -1, -1);
  }

  /** `ESC d n` (1B 64 n): print and feed n lines. */
  feedLines(lines: number): this {
    checkRange('feed lines', lines, 0, 255);
    return this.bytes3(0x1b, 0x64, lines);
  }

  /** `ESC E n` (1B 45 00|01). */
  bold(on: boolean): this {
    return this.bytes3(0x1b, 0x45, on ? 1 : 0);
  }

  /** `ESC - n` (1B 2D 00|01|02): 0 off, 1 thin, 2 thick. */
  underline(weight: 0 | 1 | 2): this {
    return this.bytes3(0x1b, 0x2d, weight);
  }

  /** `ESC a n` (1B 61 00|01|02). */
  align(alignment: TextAlignment): this {
    return this.bytes3(0x1b, 0x61, alignments[alignment]);
  }

  /** `GS ! n` (1D 21 n): character magnification, width and height 1..8. */
  size(width: number, height: number): this {
    checkRange('character width', width, 1, 8);
    checkRange('character height', height, 1, 8);
    return this.bytes3(0x1d, 0x21, ((width - 1) << 4) | (height - 1));
  }

  /** Double width and height on, or back to normal (GS ! 11 / GS ! 00). */
  doubleSize(on: boolean): this {
    return on ? this.size(2, 2) : this.size(1, 1);
  }

  /** `GS B n` (1D 42 00|01): white on black. */
  invert(on: boolean): this {
    return this.bytes3(0x1d, 0x42, on ? 1 : 0);
  }

  /**
   * Native QR code (`GS ( k`, function 165/167/169/180/181): model 2, module size, error level,
   * store, print. The store length counts BYTES of the UTF-8 data plus 3 (pL + 256·pH).
   */
  qrCode(data: string, options: QrOptions = {}): this {
    const moduleSize = options.moduleSize ?? 6;
    checkRange('QR module size', moduleSize, 1, 16);
    const bytes = textEncoder.encode(data);
    if (bytes.length === 0 || bytes.length > 7089) throw new EscPosEncodeError(`QR data must be 1 to 7089 bytes, got ${bytes.length}`);
    const storeLength = bytes.length + 3;
    this.raw([0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
    this.raw([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize]);
    this.raw([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, qrErrorLevels[options.errorLevel ?? 'M']]);
    this.raw([0x1d, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30]);
    this.raw(bytes);
    return this.raw([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30]);
  }

  /** QR code drawn as a raster image (`GS v 0`) for printers without native QR. */
  qrCodeAsRaster(data: string, options: QrOptions = {}): this {
    return this.rasterImage(qrCodeImage(data, options));
  }

  /** `GS v 0 0 xL xH yL yH d…` (1D 76 30 00): a 1-bit raster image, rows padded to whole bytes. */
  rasterImage(image: MonochromeImage): this {
    checkRange('image width', image.widthDots, 1, 65535 * 8);
    checkRange('image height', image.heightDots, 1, 65535);
    if (image.pixels.length < image.widthDots * image.heightDots) {
      throw new EscPosEncodeError(`image needs ${image.widthDots * image.heightDots} pixels, got ${image.pixels.length}`);
    }
    const widthBytes = Math.ceil(image.widthDots / 8);
    this.raw([0x1d, 0x76, 0x30, 0x00, widthBytes & 0xff, widthBytes >> 8, image.heightDots & 0xff, image.heightDots >> 8]);
    this.reserve(widthBytes * image.heightDots);
    for (let y = 0; y < image.heightDots; y += 1) {
      for (let byteIndex = 0; byteIndex < widthBytes; byteIndex += 1) {
        let value = 0;
        for (let bit = 0; bit < 8; bit += 1) {
          const x = byteIndex * 8 + bit;
          if (x < image.widthDots && image.pixels[y * image.widthDots + x] !== 0) value |= 0x80 >> bit;
        }
        this.buffer[this.length] = value;
        this.length += 1;
      }
    }
    return this;
  }

  /** 1-D barcode, `GS k m n d…` (format B), preceded by `GS h`, `GS w` and `GS H`. */
  barcode(data: string, symbology: BarcodeSymbology, options: BarcodeOptions = {}): this {
    if (!/^[\x20-\x7e]{1,255}$/.test(data)) throw new EscPosEncodeError('barcode data must be 1 to 255 printable ASCII characters');
    const heightDots = options.heightDots ?? 80;
    const moduleWidth = options.moduleWidth ?? 3;
    checkRange('barcode height', heightDots, 1, 255);
    checkRange('barcode module width', moduleWidth, 2, 6);
    this.bytes3(0x1d, 0x68, heightDots);
    this.bytes3(0x1d, 0x77, moduleWidth);
    this.bytes3(0x1d, 0x48, hriPositions[options.hri ?? 'below']);
    this.raw([0x1d, 0x6b, barcodeSymbologies[symbology], data.length]);
    return this.text(data);
  }

  /** Cut without feeding: `GS V 0` (1D 56 00) full, `GS V 1` (1D 56 01) partial. */
  cut(mode: CutMode = 'full'): this {
    return this.bytes3(0x1d, 0x56, mode === 'full' ? 0x00 : 0x01);
  }

  /** Feed n dots to the cutter, then cut: `GS V 65 n` full (1D 56 41 n), `GS V 66 n` partial (1D 56 42 n). */
  feedAndCut(mode: CutMode, feedDots: number): this {
    checkRange('cut feed', feedDots, 0, 255);
    return this.raw([0x1d, 0x56, mode === 'full' ? 0x41 : 0x42, feedDots]);
  }

  /** `ESC p m t1 t2` (1B 70 m t1 t2): pulse drawer pin 2 (m=0) or 5 (m=1); t1 on, t2 off, in 2 ms units. */
  kickDrawer(pin: 2 | 5 = 2, onTimeMs = 100, offTimeMs = 200): this {
    const onUnits = Math.round(onTimeMs / 2);
    const offUnits = Math.round(offTimeMs / 2);
    checkRange('drawer on time (2 ms units)', onUnits, 0, 255);
    checkRange('drawer off time (2 ms units)', offUnits, 0, 255);
    return this.raw([0x1b, 0x70, pin === 2 ? 0 : 1, onUnits, offUnits]);
  }

  /** `DLE EOT n` (10 04 n): real-time status, n = 1 printer, 2 offline cause, 3 error cause, 4 paper. */
  realTimeStatus(query: 1 | 2 | 3 | 4): this {
    return this.bytes3(0x10, 0x04, query);
  }

  /** `GS a n` (1D 61 n): automatic status back; 0xFF enables every report, 0 disables. */
  automaticStatusBack(mask: number): this {
    checkRange('ASB mask', mask, 0, 255);
    return this.bytes3(0x1d, 0x61, mask);
  }

  /** `GS r 1` (1D 72 01): paper sensor status, answered after everything before it was processed. */
  paperSensorStatus(): this {
    return this.bytes3(0x1d, 0x72, 0x01);
  }

  /** `DLE ENQ 2` (10 05 02): recover from a recoverable error and clear the buffers. */
  recover(): this {
    return this.bytes3(0x10, 0x05, 0x02);
  }

  /** Appends up to three bytes; -1 marks an unused slot. Keeps the hot path allocation-free. */
  private bytes3(first: number, second: number, third: number): this {
    this.reserve(3);
    this.buffer[this.length++] = first;
    if (second >= 0) this.buffer[this.length++] = second;
    if (third >= 0) this.buffer[this.length++] = third;
    return this;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/** The QR matrix as a 1-bit image with a 4-module quiet zone, MODULE SIZE dots per module. */
export function qrCodeImage(data: string, options: QrOptions = {}): MonochromeImage {
  const moduleSize = options.moduleSize ?? 6;
  checkRange('QR module size', moduleSize, 1, 16);
  const qr = QRCode.create(data, { errorCorrectionLevel: options.errorLevel ?? 'M' });
  const count = qr.modules.size;
  const quiet = 4;
  const widthDots = (count + quiet * 2) * moduleSize;
  const pixels = new Uint8Array(widthDots * widthDots);
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < count; column += 1) {
      if (!qr.modules.get(row, column)) continue;
      for (let dy = 0; dy < moduleSize; dy += 1) {
        const start = ((row + quiet) * moduleSize + dy) * widthDots + (column + quiet) * moduleSize;
        pixels.fill(1, start, start + moduleSize);
      }
    }
  }
  return { widthDots, heightDots: widthDots, pixels };
}
