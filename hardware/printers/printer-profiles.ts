/**
 * Printer models as data: what the receipt layout and the encoder need to know about a printer.
 * Add a model by adding an entry; no code changes. `dots` is the printable width.
 */
import type { ChineseEncoding } from '../protocols/escpos/printer-text-encoding.js';

export interface PrinterProfile {
  readonly name: string;
  readonly description: string;
  readonly paperWidthMm: 58 | 80;
  /** Printable width in dots (203 dpi heads: 384 on 58 mm, 576 on 80 mm). */
  readonly widthDots: number;
  /** Characters per line in font A (12 × 24 dots). */
  readonly columns: number;
  readonly chineseEncoding: ChineseEncoding;
  /** Understands `GS ( k` QR codes; otherwise QR codes are sent as raster images. */
  readonly nativeQr: boolean;
  readonly cutter: 'full' | 'partial' | 'none';
  /**
   * Answers `DLE EOT` and `GS r 1`. Without replies (e.g. a write-only USB printer-class file) a
   * job counts as printed once its bytes are written, and the proof says `proven: false`.
   */
  readonly statusReplies: boolean;
}

export const printerProfiles = {
  'generic-80mm': {
    name: 'generic-80mm',
    description: '80 mm ESC/POS printer with GB18030, native QR and a partial cutter (Epson TM-T82/T88 class, Xprinter XP-80)',
    paperWidthMm: 80,
    widthDots: 576,
    columns: 48,
    chineseEncoding: 'gb18030',
    nativeQr: true,
    cutter: 'partial',
    statusReplies: true,
  },
  'generic-58mm': {
    name: 'generic-58mm',
    description: '58 mm ESC/POS printer with GB18030 and native QR, no cutter (tear bar)',
    paperWidthMm: 58,
    widthDots: 384,
    columns: 32,
    chineseEncoding: 'gb18030',
    nativeQr: true,
    cutter: 'none',
    statusReplies: true,
  },
  'gbk-58mm-raster-qr': {
    name: 'gbk-58mm-raster-qr',
    description: '58 mm printer with GBK only and no native QR (QR codes printed as raster images)',
    paperWidthMm: 58,
    widthDots: 384,
    columns: 32,
    chineseEncoding: 'gbk',
    nativeQr: false,
    cutter: 'none',
    statusReplies: true,
  },
  'utf8-80mm': {
    name: 'utf8-80mm',
    description: '80 mm printer taking UTF-8 in Chinese mode, native QR, full cutter',
    paperWidthMm: 80,
    widthDots: 576,
    columns: 48,
    chineseEncoding: 'utf-8',
    nativeQr: true,
    cutter: 'full',
    statusReplies: true,
  },
} as const satisfies Record<string, PrinterProfile>;

export type PrinterProfileName = keyof typeof printerProfiles;
export const printerProfileNames = Object.keys(printerProfiles) as PrinterProfileName[];
export const defaultPrinterProfileName: PrinterProfileName = 'generic-80mm';

export class UnknownPrinterProfileError extends Error {
  override readonly name = 'UnknownPrinterProfileError';
}

export function findPrinterProfile(name: string): PrinterProfile {
  if (!Object.hasOwn(printerProfiles, name)) {
    throw new UnknownPrinterProfileError(`unknown printer profile "${name}"; known profiles: ${printerProfileNames.join(', ')}`);
  }
  return printerProfiles[name as PrinterProfileName];
}
