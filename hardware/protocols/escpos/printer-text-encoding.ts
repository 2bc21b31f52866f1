/**
 * How a printer turns characters into bytes. Pure: iconv-lite tables only.
 *
 * Contract:
 * - The half-width yen/yuan sign U+00A5 is always replaced by the full-width ￥ (U+FFE5) before
 *   encoding: GB18030 encodes U+00A5 as the 4-byte `81 30 84 36` that many printers print as
 *   "0 6", while ￥ is `A3 A4` (see docs/receipt-printers.md#the-yuan-sign).
 * - Characters the encoding cannot represent become `?` (0x3F); nothing throws.
 */
import iconv from 'iconv-lite';

/** Multi-byte encodings used in Chinese mode (`FS &`). */
export const chineseEncodings = ['gb18030', 'gbk', 'utf-8'] as const;
export type ChineseEncoding = (typeof chineseEncodings)[number];

/** Single-byte code pages selected with `ESC t n`; the number is the ESC/POS table id. */
export const singleByteCodePages = { cp437: 0, cp850: 2, cp858: 19, cp1252: 16 } as const;
export type SingleByteCodePage = keyof typeof singleByteCodePages;

export const fullWidthYuan = '\uFFE5';
const halfWidthYen = /\u00A5/g;

export function normalizePrinterText(text: string): string {
  return text.includes('\u00A5') ? text.replace(halfWidthYen, fullWidthYuan) : text;
}

/** True when every UTF-16 unit is printable 7-bit ASCII or a tab (the fast path for the encoder). */
export function isPlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code > 0x7e || (code < 0x20 && code !== 0x09)) return false;
  }
  return true;
}

/**
 * Encodes TEXT (already normalized) in ENCODING. Control characters other than tab are replaced
 * by `?` so text can never smuggle a command into the byte stream.
 */
export function encodePrinterText(text: string, encoding: ChineseEncoding | SingleByteCodePage): Uint8Array {
  let safe = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    safe += (code < 0x20 && code !== 0x09) || code === 0x7f ? '?' : char;
  }
  const bytes: Uint8Array = iconv.encode(safe, encoding);
  return bytes;
}

/** Decodes printer bytes back to text (used by the decoder and simulator). */
export function decodePrinterText(bytes: Uint8Array, encoding: ChineseEncoding | SingleByteCodePage): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
}

/**
 * Columns a string occupies on a receipt in font A: ASCII takes one, and every other character
 * takes two, because in Chinese mode the printer draws each multi-byte code (CJK, ￥, ×, …) as a
 * full-width 24 × 24 glyph.
 */
export function printedColumns(text: string): number {
  let columns = 0;
  for (const char of text) columns += (char.codePointAt(0) ?? 0) < 0x80 ? 1 : 2;
  return columns;
}
