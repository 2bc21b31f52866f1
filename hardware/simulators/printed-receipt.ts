/**
 * What the printer simulator "printed": the page as text lines and graphics, in order. Built by
 * the simulator from decoded ESC/POS; rendered to .txt and .png by receipt-png-renderer.ts.
 */
import type { TextAlignment } from '../protocols/escpos/escpos-encoder.js';

export interface PrintedTextLine {
  readonly kind: 'text';
  readonly text: string;
  readonly align: TextAlignment;
  readonly bold: boolean;
  readonly invert: boolean;
  readonly widthScale: number;
  readonly heightScale: number;
}

/** A 1-bit picture: a QR code (drawn from the stored data) or a raster image as received. */
export interface PrintedGraphic {
  readonly kind: 'graphic';
  readonly source: 'qr' | 'raster';
  /** QR content, when `source` is 'qr'. */
  readonly qrContent: string | null;
  readonly align: TextAlignment;
  readonly widthDots: number;
  readonly heightDots: number;
  /** `pixels[y * widthDots + x]` is 1 for black. */
  readonly pixels: Uint8Array;
}

export type PrintedElement = PrintedTextLine | PrintedGraphic;

export interface PrintedReceipt {
  /** 1-based, in printing order. */
  readonly number: number;
  readonly elements: readonly PrintedElement[];
  readonly cut: boolean;
  /** Text lines only, without alignment padding: what a test compares. */
  readonly lines: readonly string[];
  readonly qrContents: readonly string[];
}

/** The receipt as a .txt page: alignment applied within COLUMNS, graphics as `[QR: …]` / `[image W×H]`. */
export function printedReceiptText(receipt: PrintedReceipt, columns: number, printedColumns: (text: string) => number): string {
  const out: string[] = [];
  for (const element of receipt.elements) {
    const text = element.kind === 'text' ? element.text : element.source === 'qr' ? `[QR: ${element.qrContent ?? ''}]` : `[image ${element.widthDots}x${element.heightDots}]`;
    const width = element.kind === 'text' ? printedColumns(text) * element.widthScale : printedColumns(text);
    const free = Math.max(0, columns - width);
    const pad = element.align === 'center' ? Math.floor(free / 2) : element.align === 'right' ? free : 0;
    out.push(`${' '.repeat(pad)}${text}`.trimEnd());
  }
  if (receipt.cut) out.push('--- cut ---');
  return `${out.join('\n')}\n`;
}
