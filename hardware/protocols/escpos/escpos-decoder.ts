/**
 * ESC/POS decoder: bytes in (in chunks of any size), structured commands and text out. Used by
 * the printer simulator and by tests to read back what a driver sent. Pure.
 *
 * Contract:
 * - `push(chunk)` returns the commands completed by this chunk; a command split across chunks is
 *   returned once it is complete, so the output does not depend on how the bytes were chunked.
 * - Text bytes are collected until the next control byte and then decoded as one `text` command
 *   (Chinese mode → the profile's multi-byte encoding; otherwise the selected code page), so a
 *   multi-byte character is never split.
 * - Never throws on any input: unknown commands and stray control bytes come out as `unknown`,
 *   impossible parameters as `malformed`; both say which bytes were skipped. Declared lengths are
 *   capped (`maxBlockBytes`) so garbage cannot make the decoder buffer unbounded data.
 * - `end()` flushes pending text and reports an incomplete trailing command as `malformed`.
 */
import { decodePrinterText, type ChineseEncoding, type SingleByteCodePage } from './printer-text-encoding.js';
import type { CutMode, QrErrorLevel, TextAlignment } from './escpos-encoder.js';

export type EscPosCommand =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'line-feed' }
  /** CR: no visible effect on line printers (LF prints the line). */
  | { readonly kind: 'carriage-return' }
  | { readonly kind: 'initialize' }
  | { readonly kind: 'bold'; readonly on: boolean }
  | { readonly kind: 'underline'; readonly weight: number }
  | { readonly kind: 'align'; readonly alignment: TextAlignment }
  | { readonly kind: 'size'; readonly width: number; readonly height: number }
  | { readonly kind: 'print-mode'; readonly mode: number }
  | { readonly kind: 'invert'; readonly on: boolean }
  | { readonly kind: 'code-page'; readonly table: number }
  | { readonly kind: 'chinese-mode'; readonly on: boolean }
  | { readonly kind: 'feed-lines'; readonly lines: number }
  | { readonly kind: 'feed-dots'; readonly dots: number }
  | { readonly kind: 'cut'; readonly mode: CutMode; readonly feedDots: number }
  | { readonly kind: 'drawer-kick'; readonly pin: 2 | 5; readonly onUnits: number; readonly offUnits: number }
  | { readonly kind: 'qr-model'; readonly model: number }
  | { readonly kind: 'qr-module-size'; readonly moduleSize: number }
  | { readonly kind: 'qr-error-level'; readonly level: QrErrorLevel | null }
  /** `declaredLength` is pL + 256·pH as sent; `data` is the declaredLength − 3 bytes that followed. */
  | { readonly kind: 'qr-store'; readonly declaredLength: number; readonly data: Uint8Array; readonly text: string }
  | { readonly kind: 'qr-print' }
  /** Packed rows, `widthBytes` bytes each, most significant bit leftmost. */
  | { readonly kind: 'raster-image'; readonly mode: number; readonly widthBytes: number; readonly heightDots: number; readonly data: Uint8Array }
  | { readonly kind: 'barcode-setting'; readonly setting: 'height' | 'module-width' | 'hri-position' | 'hri-font'; readonly value: number }
  | { readonly kind: 'barcode'; readonly symbology: number; readonly data: string }
  | { readonly kind: 'real-time-status'; readonly query: number }
  | { readonly kind: 'real-time-recover'; readonly mode: number }
  | { readonly kind: 'automatic-status-back'; readonly mask: number }
  | { readonly kind: 'paper-sensor-status'; readonly query: number }
  /** A recognised command this decoder does not model; its bytes were skipped as one unit. */
  | { readonly kind: 'other'; readonly bytes: Uint8Array }
  | { readonly kind: 'unknown'; readonly bytes: Uint8Array }
  | { readonly kind: 'malformed'; readonly reason: string; readonly bytes: Uint8Array };

export interface EscPosDecoderOptions {
  readonly chineseEncoding: ChineseEncoding;
  /** Largest raster/graphics/2-D block accepted; longer declared lengths are `malformed`. */
  readonly maxBlockBytes?: number | undefined;
}

const codePageNames: Readonly<Record<number, SingleByteCodePage>> = { 0: 'cp437', 2: 'cp850', 16: 'cp1252', 19: 'cp858' };
const qrLevels: Readonly<Record<number, QrErrorLevel>> = { 0x30: 'L', 0x31: 'M', 0x32: 'Q', 0x33: 'H', 0: 'L', 1: 'M', 2: 'Q', 3: 'H' };
const utf8 = new TextDecoder('utf-8');

/** Result of trying to read one command at the current position. */
type Step = { readonly used: number; readonly command: EscPosCommand | null } | 'need-more';

export class EscPosDecoder {
  private buffer = new Uint8Array(256);
  private start = 0;
  private end_ = 0;
  private textBytes: number[] = [];
  private chineseMode = false;
  private codePage: SingleByteCodePage = 'cp437';
  private readonly maxBlockBytes: number;

  constructor(private readonly options: EscPosDecoderOptions) {
    this.maxBlockBytes = options.maxBlockBytes ?? 2 * 1024 * 1024;
  }

  push(chunk: Uint8Array): EscPosCommand[] {
    this.append(chunk);
    const commands: EscPosCommand[] = [];
    while (this.start < this.end_) {
      const byte = this.buffer[this.start] ?? 0;
      if (byte >= 0x20 || byte === 0x09) {
        this.textBytes.push(byte);
        this.start += 1;
        continue;
      }
      const step = this.readCommand(byte);
      if (step === 'need-more') break;
      this.flushText(commands);
      if (step.command) {
        this.track(step.command);
        commands.push(step.command);
      }
      this.start += step.used;
    }
    return commands;
  }

  /** Flushes pending text and reports a trailing incomplete command. */
  end(): EscPosCommand[] {
    const commands: EscPosCommand[] = [];
    this.flushText(commands);
    if (this.start < this.end_) {
      commands.push({ kind: 'malformed', reason: 'truncated command at end of input', bytes: this.buffer.slice(this.start, this.end_) });
      this.start = this.end_;
    }
    return commands;
  }

  private track(command: EscPosCommand): void {
    if (command.kind === 'chinese-mode') this.chineseMode = command.on;
    else if (command.kind === 'initialize') {
      this.chineseMode = false;
      this.codePage = 'cp437';
    } else if (command.kind === 'code-page') this.codePage = codePageNames[command.table] ?? 'cp437';
  }

  private flushText(commands: EscPosCommand[]): void {
    if (this.textBytes.length === 0) return;
    const bytes = Uint8Array.from(this.textBytes);
    this.textBytes = [];
    commands.push({ kind: 'text', text: decodePrinterText(bytes, this.chineseMode ? this.options.chineseEncoding : this.codePage) });
  }

  private append(chunk: Uint8Array): void {
    const pending = this.end_ - this.start;
    if (this.end_ + chunk.length > this.buffer.length) {
      if (pending + chunk.length <= this.buffer.length / 2) {
        this.buffer.copyWithin(0, this.start, this.end_);
      } else {
        let capacity = this.buffer.length * 2;
        while (capacity < pending + chunk.length) capacity *= 2;
        const grown = new Uint8Array(capacity);
        grown.set(this.buffer.subarray(this.start, this.end_));
        this.buffer = grown;
      }
      this.start = 0;
      this.end_ = pending;
    }
    this.buffer.set(chunk, this.end_);
    this.end_ += chunk.length;
  }

  private available(): number {
    return this.end_ - this.start;
  }

  private at(offset: number): number {
    return this.buffer[this.start + offset] ?? 0;
  }

  private slice(length: number): Uint8Array {
    return this.buffer.slice(this.start, this.start + length);
  }

  /** A fixed-length command: waits until LENGTH bytes are there, then builds it. */
  private fixed(length: number, build: () => EscPosCommand): Step {
    if (this.available() < length) return 'need-more';
    return { used: length, command: build() };
  }

  private other(length: number): Step {
    return this.fixed(length, () => ({ kind: 'other', bytes: this.slice(length) }));
  }

  private unknown(length: number): Step {
    const used = Math.min(length, this.available());
    return { used, command: { kind: 'unknown', bytes: this.slice(used) } };
  }

  private malformed(length: number, reason: string): Step {
    return { used: length, command: { kind: 'malformed', reason, bytes: this.slice(length) } };
  }

  private readCommand(first: number): Step {
    switch (first) {
      case 0x0a:
        return { used: 1, command: { kind: 'line-feed' } };
      case 0x0d:
        return { used: 1, command: { kind: 'carriage-return' } };
      case 0x1b:
        return this.available() < 2 ? 'need-more' : this.readEsc(this.at(1));
      case 0x1d:
        return this.available() < 2 ? 'need-more' : this.readGs(this.at(1));
      case 0x1c:
        return this.available() < 2 ? 'need-more' : this.readFs(this.at(1));
      case 0x10:
        return this.available() < 2 ? 'need-more' : this.readDle(this.at(1));
      default:
        return this.unknown(1);
    }
  }

  private readEsc(second: number): Step {
    switch (second) {
      case 0x40:
        return this.fixed(2, () => ({ kind: 'initialize' }));
      case 0x45:
        return this.fixed(3, () => ({ kind: 'bold', on: (this.at(2) & 1) === 1 }));
      case 0x2d:
        return this.fixed(3, () => ({ kind: 'underline', weight: this.at(2) === 0x31 ? 1 : this.at(2) === 0x32 ? 2 : this.at(2) & 3 }));
      case 0x61:
        return this.fixed(3, () => {
          const value = this.at(2) % 0x30;
          return { kind: 'align', alignment: value === 1 ? 'center' : value === 2 ? 'right' : 'left' };
        });
      case 0x74:
        return this.fixed(3, () => ({ kind: 'code-page', table: this.at(2) }));
      case 0x64:
        return this.fixed(3, () => ({ kind: 'feed-lines', lines: this.at(2) }));
      case 0x4a:
        return this.fixed(3, () => ({ kind: 'feed-dots', dots: this.at(2) }));
      case 0x21:
        return this.fixed(3, () => ({ kind: 'print-mode', mode: this.at(2) }));
      case 0x70:
        return this.fixed(5, () => ({ kind: 'drawer-kick', pin: (this.at(2) & 1) === 0 ? 2 : 5, onUnits: this.at(3), offUnits: this.at(4) }));
      case 0x32:
      case 0x3c:
        return this.other(2);
      case 0x20: case 0x25: case 0x33: case 0x47: case 0x4d: case 0x52: case 0x56: case 0x7b: case 0x72:
        return this.other(3);
      case 0x24:
      case 0x5c:
        return this.other(4);
      case 0x63:
        return this.other(4);
      case 0x2a: {
        if (this.available() < 5) return 'need-more';
        const mode = this.at(2);
        const columns = this.at(3) + 256 * this.at(4);
        const bytesPerColumn = mode === 32 || mode === 33 ? 3 : mode === 0 || mode === 1 ? 1 : -1;
        if (bytesPerColumn < 0) return this.malformed(3, `ESC * with unknown mode ${mode}`);
        return this.other(5 + columns * bytesPerColumn);
      }
      default:
        return this.unknown(2);
    }
  }

  private readGs(second: number): Step {
    switch (second) {
      case 0x21:
        return this.fixed(3, () => ({ kind: 'size', width: ((this.at(2) >> 4) & 7) + 1, height: (this.at(2) & 7) + 1 }));
      case 0x42:
        return this.fixed(3, () => ({ kind: 'invert', on: (this.at(2) & 1) === 1 }));
      case 0x56: {
        if (this.available() < 3) return 'need-more';
        const mode = this.at(2);
        if (mode === 0x41 || mode === 0x42 || mode === 0x61 || mode === 0x62 || mode === 0x67 || mode === 0x68) {
          return this.fixed(4, () => ({ kind: 'cut', mode: mode === 0x41 || mode === 0x61 ? 'full' : 'partial', feedDots: this.at(3) }));
        }
        return this.fixed(3, () => ({ kind: 'cut', mode: mode === 0 || mode === 0x30 ? 'full' : 'partial', feedDots: 0 }));
      }
      case 0x68:
        return this.fixed(3, () => ({ kind: 'barcode-setting', setting: 'height', value: this.at(2) }));
      case 0x77:
        return this.fixed(3, () => ({ kind: 'barcode-setting', setting: 'module-width', value: this.at(2) }));
      case 0x48:
        return this.fixed(3, () => ({ kind: 'barcode-setting', setting: 'hri-position', value: this.at(2) % 0x30 }));
      case 0x66:
        return this.fixed(3, () => ({ kind: 'barcode-setting', setting: 'hri-font', value: this.at(2) }));
      case 0x61:
        return this.fixed(3, () => ({ kind: 'automatic-status-back', mask: this.at(2) }));
      case 0x72:
        return this.fixed(3, () => ({ kind: 'paper-sensor-status', query: this.at(2) }));
      case 0x49: case 0x2f: case 0x45: case 0x62: case 0x7c:
        return this.other(3);
      case 0x4c: case 0x57: case 0x50: case 0x24: case 0x5c:
        return this.other(4);
      case 0x6b:
        return this.readBarcode();
      case 0x76:
        return this.readRaster();
      case 0x28:
        return this.readGsParen();
      case 0x38:
        return this.readGsEight();
      default:
        return this.unknown(2);
    }
  }

  private readFs(second: number): Step {
    switch (second) {
      case 0x26:
        return this.fixed(2, () => ({ kind: 'chinese-mode', on: true }));
      case 0x2e:
        return this.fixed(2, () => ({ kind: 'chinese-mode', on: false }));
      case 0x21: case 0x2d: case 0x43: case 0x57:
        return this.other(3);
      case 0x53: case 0x70:
        return this.other(4);
      default:
        return this.unknown(2);
    }
  }

  private readDle(second: number): Step {
    switch (second) {
      case 0x04:
        return this.fixed(3, () => ({ kind: 'real-time-status', query: this.at(2) }));
      case 0x05:
        return this.fixed(3, () => ({ kind: 'real-time-recover', mode: this.at(2) }));
      case 0x14:
        return this.other(5);
      default:
        return this.unknown(2);
    }
  }

  private readBarcode(): Step {
    if (this.available() < 3) return 'need-more';
    const symbology = this.at(2);
    if (symbology <= 6) {
      // Format A: NUL-terminated data.
      const limit = Math.min(this.available(), 3 + 256);
      for (let index = 3; index < limit; index += 1) {
        if (this.at(index) === 0) {
          const data = String.fromCharCode(...this.slice(index).subarray(3));
          return { used: index + 1, command: { kind: 'barcode', symbology: symbology + 65, data } };
        }
      }
      return this.available() >= 3 + 256 ? this.malformed(3, 'GS k format A without a NUL within 255 bytes') : 'need-more';
    }
    if (symbology >= 65 && symbology <= 79) {
      if (this.available() < 4) return 'need-more';
      const length = this.at(3);
      return this.fixed(4 + length, () => ({ kind: 'barcode', symbology, data: String.fromCharCode(...this.slice(4 + length).subarray(4)) }));
    }
    return this.malformed(3, `GS k with unknown symbology ${symbology}`);
  }

  private readRaster(): Step {
    if (this.available() < 8) return 'need-more';
    if (this.at(2) !== 0x30) return this.malformed(2, 'GS v not followed by 0');
    const mode = this.at(3);
    const widthBytes = this.at(4) + 256 * this.at(5);
    const heightDots = this.at(6) + 256 * this.at(7);
    const size = widthBytes * heightDots;
    if (size > this.maxBlockBytes) return this.malformed(8, `GS v 0 image of ${size} bytes exceeds ${this.maxBlockBytes}`);
    return this.fixed(8 + size, () => ({ kind: 'raster-image', mode, widthBytes, heightDots, data: this.slice(8 + size).subarray(8) }));
  }

  private readGsEight(): Step {
    if (this.available() < 7) return 'need-more';
    if (this.at(2) !== 0x4c) return this.unknown(3);
    const size = this.at(3) + (this.at(4) << 8) + (this.at(5) << 16) + this.at(6) * 0x1000000;
    if (size > this.maxBlockBytes) return this.malformed(7, `GS 8 L block of ${size} bytes exceeds ${this.maxBlockBytes}`);
    return this.other(7 + size);
  }

  private readGsParen(): Step {
    if (this.available() < 5) return 'need-more';
    const function_ = this.at(2);
    const declaredLength = this.at(3) + 256 * this.at(4);
    if (function_ !== 0x6b) return this.other(5 + declaredLength);
    if (this.available() < 5 + declaredLength) return 'need-more';
    if (declaredLength < 2) return this.other(5 + declaredLength);
    const symbol = this.at(5);
    const code = this.at(6);
    if (symbol !== 0x31) return this.other(5 + declaredLength);
    const used = 5 + declaredLength;
    switch (code) {
      case 0x41:
        return { used, command: { kind: 'qr-model', model: declaredLength >= 3 ? this.at(7) - 0x30 : 0 } };
      case 0x43:
        return { used, command: { kind: 'qr-module-size', moduleSize: declaredLength >= 3 ? this.at(7) : 0 } };
      case 0x45:
        return { used, command: { kind: 'qr-error-level', level: declaredLength >= 3 ? (qrLevels[this.at(7)] ?? null) : null } };
      case 0x50: {
        if (declaredLength < 3) return this.malformed(used, 'QR store shorter than its 3-byte header');
        const data = this.slice(used).subarray(8);
        return { used, command: { kind: 'qr-store', declaredLength, data, text: utf8.decode(data) } };
      }
      case 0x51:
        return { used, command: { kind: 'qr-print' } };
      default:
        return this.other(used);
    }
  }
}
