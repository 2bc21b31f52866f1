/**
 * A simulated ESC/POS receipt printer: a real protocol peer for tests, the demo and technicians.
 * It decodes what it receives into printed receipts (text + graphics), answers `DLE EOT n`,
 * `GS r 1` and `GS a` like an Epson-class printer, and can be switched to a fault.
 *
 * Behaviour per fault:
 * - 'none': prints, answers everything.
 * - 'paper-near-end': prints and answers, reporting the near-end sensor (a warning).
 * - 'paper-out' / 'cover-open': answers `DLE EOT n` (real-time commands work offline) with the
 *   matching bits, drops print data and never answers `GS r 1` (an offline printer stops
 *   processing its buffer); switching back to 'none' does not print what was dropped.
 * - 'silent': answers nothing and prints nothing (a dead printer on a live cable).
 *
 * A receipt ends at a cut, at `GS r 1` (the driver's end-of-job query) or at `ESC @` when the
 * page has content. Runs in-process on any Transport end (`attach`): a MemoryLink device end for
 * `sim:printer`, or a SerialTransport on the device side of a PTY pair.
 */
import QRCode from 'qrcode';
import { EscPosDecoder, type EscPosCommand } from '../protocols/escpos/escpos-decoder.js';
import type { QrErrorLevel, TextAlignment } from '../protocols/escpos/escpos-encoder.js';
import { automaticStatusBackReply, paperSensorReply, realTimeStatusReply, type PrinterMechanismState } from '../protocols/escpos/escpos-status-replies.js';
import type { RealTimeStatusQuery } from '../protocols/escpos/escpos-status-parser.js';
import type { PrinterProfile } from '../printers/printer-profiles.js';
import type { Transport } from '../transports/transport.js';
import type { PrintedElement, PrintedReceipt } from './printed-receipt.js';

export const printerFaults = ['none', 'paper-near-end', 'paper-out', 'cover-open', 'silent'] as const;
export type PrinterFault = (typeof printerFaults)[number];

export interface PrinterSimulatorOptions {
  readonly profile: PrinterProfile;
  readonly fault?: PrinterFault | undefined;
  /**
   * How many of the newest receipts `receipts` keeps (default 100): a terminal prints for
   * months, and every kept receipt holds its lines and pictures in memory.
   */
  readonly keepReceipts?: number | undefined;
  readonly onReceipt?: ((receipt: PrintedReceipt) => void) | undefined;
  /** Every decoded command, for the `terminal simulate printer` log. */
  readonly onCommand?: ((command: EscPosCommand) => void) | undefined;
  /** Problems the simulator meets (a reply it could not write). */
  readonly onProblem?: ((message: string) => void) | undefined;
}

interface PageStyle {
  align: TextAlignment;
  bold: boolean;
  invert: boolean;
  widthScale: number;
  heightScale: number;
}

const initialStyle = (): PageStyle => ({ align: 'left', bold: false, invert: false, widthScale: 1, heightScale: 1 });

export class PrinterSimulator {
  private decoder: EscPosDecoder;
  private faultState: PrinterFault;
  private style = initialStyle();
  private elements: PrintedElement[] = [];
  private currentLine = '';
  private lineHasContent = false;
  private qr: { data: string | null; moduleSize: number; level: QrErrorLevel } = { data: null, moduleSize: 3, level: 'L' };
  private asbEnabled = false;
  private readonly printed: PrintedReceipt[] = [];
  private readonly keepReceipts: number;
  private printedTotal = 0;
  private replySink: ((bytes: Uint8Array) => void) | null = null;

  constructor(private readonly options: PrinterSimulatorOptions) {
    this.decoder = new EscPosDecoder({ chineseEncoding: options.profile.chineseEncoding });
    this.faultState = options.fault ?? 'none';
    this.keepReceipts = Math.max(1, options.keepReceipts ?? 100);
  }

  get fault(): PrinterFault {
    return this.faultState;
  }

  /** The newest receipts (at most `keepReceipts`), oldest first. */
  get receipts(): readonly PrintedReceipt[] {
    return this.printed;
  }

  /** Receipts printed since the simulator started, including those no longer kept. */
  get printedCount(): number {
    return this.printedTotal;
  }

  get profile(): PrinterProfile {
    return this.options.profile;
  }

  /** Switches the fault; with automatic status back enabled, the new status is sent at once. */
  setFault(fault: PrinterFault): void {
    this.faultState = fault;
    if (this.asbEnabled && fault !== 'silent') this.reply(automaticStatusBackReply(this.mechanism()));
  }

  /**
   * Feeds bytes from the host; replies go to the attached transport and are also returned
   * (for in-test use without a transport).
   */
  receive(chunk: Uint8Array): Uint8Array {
    const replies: number[] = [];
    for (const command of this.decoder.push(chunk)) {
      this.options.onCommand?.(command);
      this.apply(command, replies);
    }
    const bytes = Uint8Array.from(replies);
    if (bytes.length > 0) this.reply(bytes);
    return bytes;
  }

  /** Serves the printer on TRANSPORT (opened here if needed). Returns a detach function. */
  async attach(transport: Transport): Promise<() => void> {
    if (!transport.isOpen) await transport.open();
    this.replySink = (bytes) => {
      transport.write(bytes).catch((error: unknown) => this.options.onProblem?.(`reply not sent: ${error instanceof Error ? error.message : String(error)}`));
    };
    const off = transport.on('data', (chunk) => this.receive(chunk));
    return () => {
      off();
      this.replySink = null;
    };
  }

  private reply(bytes: Uint8Array): void {
    this.replySink?.(bytes);
  }

  private mechanism(): PrinterMechanismState {
    return { paperOut: this.faultState === 'paper-out', paperNearEnd: this.faultState === 'paper-near-end', coverOpen: this.faultState === 'cover-open', error: false };
  }

  private get printing(): boolean {
    return this.faultState === 'none' || this.faultState === 'paper-near-end';
  }

  private apply(command: EscPosCommand, replies: number[]): void {
    switch (command.kind) {
      case 'real-time-status':
        if (this.faultState !== 'silent' && command.query >= 1 && command.query <= 4) {
          replies.push(realTimeStatusReply(command.query as RealTimeStatusQuery, this.mechanism()));
        }
        return;
      case 'automatic-status-back':
        if (this.faultState === 'silent') return;
        this.asbEnabled = command.mask !== 0;
        if (this.asbEnabled) replies.push(...automaticStatusBackReply(this.mechanism()));
        return;
      case 'paper-sensor-status':
        if (!this.printing) return;
        this.finishReceipt(false);
        replies.push(paperSensorReply(this.mechanism()));
        return;
      default:
        if (this.printing) this.print(command);
    }
  }

  private print(command: EscPosCommand): void {
    switch (command.kind) {
      case 'text':
        this.currentLine += command.text;
        this.lineHasContent = true;
        return;
      case 'line-feed':
        this.endLine();
        return;
      case 'initialize':
        this.finishReceipt(false);
        this.style = initialStyle();
        return;
      case 'bold':
        this.style.bold = command.on;
        return;
      case 'invert':
        this.style.invert = command.on;
        return;
      case 'align':
        this.style.align = command.alignment;
        return;
      case 'size':
        this.style.widthScale = command.width;
        this.style.heightScale = command.height;
        return;
      case 'print-mode':
        // ESC ! n: bit 3 emphasized, bit 4 double height, bit 5 double width (Epson).
        this.style.bold = (command.mode & 0x08) !== 0;
        this.style.heightScale = (command.mode & 0x10) !== 0 ? 2 : 1;
        this.style.widthScale = (command.mode & 0x20) !== 0 ? 2 : 1;
        return;
      case 'feed-lines':
        if (this.lineHasContent) this.endLine();
        for (let line = 0; line < command.lines; line += 1) this.endLine();
        return;
      case 'cut':
        if (this.lineHasContent) this.endLine();
        this.finishReceipt(true);
        return;
      case 'qr-module-size':
        this.qr.moduleSize = Math.min(16, Math.max(1, command.moduleSize));
        return;
      case 'qr-error-level':
        this.qr.level = command.level ?? 'L';
        return;
      case 'qr-store':
        this.qr.data = command.text;
        return;
      case 'qr-print':
        this.printQr();
        return;
      case 'raster-image':
        this.printRaster(command.widthBytes, command.heightDots, command.data);
        return;
      default:
        return;
    }
  }

  private endLine(): void {
    this.elements.push({ kind: 'text', text: this.currentLine, ...this.style });
    this.currentLine = '';
    this.lineHasContent = false;
  }

  private printQr(): void {
    const data = this.qr.data;
    if (data === null || data.length === 0) return;
    const { level, moduleSize } = this.qr;
    const align = this.style.align;
    // Drawing the symbol is most of the cost of printing a receipt: when the data surely fits a
    // QR code (byte mode, version 40), the modules are built only if someone looks at the
    // picture (the PNG page, a test). Longer data is encoded now, to report it if it cannot be.
    if (utf8Length(data) <= qrByteCapacity[level]) {
      let drawn: DrawnQr | undefined;
      const draw = (): DrawnQr => (drawn ??= drawQr(QRCode.create(data, { errorCorrectionLevel: level }).modules, moduleSize));
      this.elements.push({
        kind: 'graphic',
        source: 'qr',
        qrContent: data,
        align,
        get widthDots() {
          return draw().widthDots;
        },
        get heightDots() {
          return draw().widthDots;
        },
        get pixels() {
          return draw().pixels;
        },
      });
      return;
    }
    let modules: QrModules;
    try {
      modules = QRCode.create(data, { errorCorrectionLevel: level }).modules;
    } catch (error) {
      // A real printer prints nothing for data it cannot encode; say so in the log.
      this.options.onProblem?.(`QR not printable: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const { widthDots, pixels } = drawQr(modules, moduleSize);
    this.elements.push({ kind: 'graphic', source: 'qr', qrContent: data, align, widthDots, heightDots: widthDots, pixels });
  }

  private printRaster(widthBytes: number, heightDots: number, data: Uint8Array): void {
    const widthDots = widthBytes * 8;
    const pixels = new Uint8Array(widthDots * heightDots);
    for (let y = 0; y < heightDots; y += 1) {
      for (let x = 0; x < widthDots; x += 1) {
        const byte = data[y * widthBytes + (x >> 3)] ?? 0;
        if ((byte & (0x80 >> (x & 7))) !== 0) pixels[y * widthDots + x] = 1;
      }
    }
    this.elements.push({ kind: 'graphic', source: 'raster', qrContent: null, align: this.style.align, widthDots, heightDots, pixels });
  }

  private finishReceipt(cut: boolean): void {
    if (this.lineHasContent) this.endLine();
    const hasContent = this.elements.some((element) => element.kind === 'graphic' || element.text.length > 0);
    if (!hasContent && !cut) return;
    const elements = this.elements;
    this.elements = [];
    if (!hasContent) return;
    this.printedTotal += 1;
    const receipt: PrintedReceipt = {
      number: this.printedTotal,
      elements,
      cut,
      lines: trimTrailingBlank(elements.flatMap((element) => (element.kind === 'text' ? [element.text] : []))),
      qrContents: elements.flatMap((element) => (element.kind === 'graphic' && element.qrContent !== null ? [element.qrContent] : [])),
    };
    this.printed.push(receipt);
    if (this.printed.length > this.keepReceipts) this.printed.shift();
    this.options.onReceipt?.(receipt);
  }
}

interface QrModules {
  readonly size: number;
  get(row: number, column: number): number | boolean;
}

interface DrawnQr {
  readonly widthDots: number;
  readonly pixels: Uint8Array;
}

/** Bytes a version-40 symbol holds in byte mode, per error correction level (ISO/IEC 18004 table 7). */
const qrByteCapacity: Readonly<Record<QrErrorLevel, number>> = { L: 2953, M: 2331, Q: 1663, H: 1273 };

function utf8Length(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    length += code < 0x80 ? 1 : code < 0x800 ? 2 : 3; // a surrogate pair counts 3 + 3 ≥ its 4 bytes
  }
  return length;
}

/** The symbol with a 4-module quiet zone, each module SCALE × SCALE dots; 1 = black. */
function drawQr(modules: QrModules, scale: number): DrawnQr {
  const quiet = 4;
  const widthDots = (modules.size + quiet * 2) * scale;
  const pixels = new Uint8Array(widthDots * widthDots);
  for (let row = 0; row < modules.size; row += 1) {
    for (let column = 0; column < modules.size; column += 1) {
      if (!modules.get(row, column)) continue;
      for (let dy = 0; dy < scale; dy += 1) {
        const start = ((row + quiet) * scale + dy) * widthDots + (column + quiet) * scale;
        pixels.fill(1, start, start + scale);
      }
    }
  }
  return { widthDots, pixels };
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').length === 0) end -= 1;
  return lines.slice(0, end);
}
