/**
 * Renders a printed receipt as a PNG the width of the paper: graphics (QR codes, raster images)
 * pixel-exact so the QR scans (zbarimg), ASCII text in a 12 × 24 bitmap font (ESC/POS font A
 * size) and full-width characters (CJK, ￥) as grey 24 × 24 blocks, all scaled by the character
 * size: enough to check text, layout, alignment and wrapping by eye.
 *
 * The page is drawn into one 8-bit grey buffer and written as a greyscale PNG (colour type 0)
 * with no per-row filter, deflated by zlib at level 1 (2-4× quicker than the default level on a
 * receipt, ~10 KB instead of ~4 KB): a receipt is mostly white, so this is small and quick. (pngjs drew RGBA and tried five filters per row in JavaScript: ~40% of the terminal's
 * CPU in a soak of cash sales with the simulated printer; docs/benchmarks.md.)
 */
import { crc32, deflateSync } from 'node:zlib';
import { asciiGlyphDot, glyphHeightDots, glyphWidthDots, hasAsciiGlyph } from './ascii-bitmap-font.js';
import type { PrintedReceipt } from './printed-receipt.js';

const margin = 16;
const lineGap = 6;
const white = 255;

/** A grey page: `data[y * width + x]` is 0 (black) to 255 (white). */
interface GreyPage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function renderReceiptPng(receipt: PrintedReceipt, widthDots: number): Buffer {
  const rows: { height: number; draw: (page: GreyPage, top: number) => void }[] = [];
  for (const element of receipt.elements) {
    if (element.kind === 'graphic') {
      const left = alignLeft(element.align, element.widthDots, widthDots);
      rows.push({
        height: element.heightDots + lineGap,
        draw: (page, top) => {
          const { pixels } = element;
          const columns = Math.min(element.widthDots, page.width - margin - left);
          for (let y = 0; y < element.heightDots && top + y < page.height; y += 1) {
            const source = y * element.widthDots;
            const target = (top + y) * page.width + margin + left;
            for (let x = 0; x < columns; x += 1) if (pixels[source + x] === 1) page.data[target + x] = 0;
          }
        },
      });
      continue;
    }
    const cellHeight = 24 * element.heightScale;
    const cells = [...element.text].map((char) => {
      const code = char.codePointAt(0) ?? 0;
      return { code, blank: char === ' ', width: (code < 0x80 ? glyphWidthDots : glyphWidthDots * 2) * element.widthScale };
    });
    const lineWidth = cells.reduce((sum, cell) => sum + cell.width, 0);
    const left = alignLeft(element.align, lineWidth, widthDots);
    const shade = element.bold ? 40 : 110;
    rows.push({
      height: cellHeight + lineGap,
      draw: (page, top) => {
        if (element.invert) fillRect(page, margin + left, top, lineWidth, cellHeight, 0);
        let x = margin + left;
        const ink = element.invert ? white : 0;
        for (const cell of cells) {
          if (hasAsciiGlyph(cell.code)) drawGlyph(page, cell.code, x, top, element.widthScale, element.heightScale, element.bold, ink);
          else if (!cell.blank) fillRect(page, x + 1, top + 4, cell.width - 2, cellHeight - 6, element.invert ? white : shade);
          x += cell.width;
        }
      },
    });
  }
  if (receipt.cut) rows.push({ height: 12, draw: (page, top) => dashedLine(page, top + 6) });
  const height = Math.max(margin * 2 + rows.reduce((sum, row) => sum + row.height, 0), margin * 2 + 1);
  const width = widthDots + margin * 2;
  const page: GreyPage = { width, height, data: new Uint8Array(width * height).fill(white) };
  let top = margin;
  for (const row of rows) {
    row.draw(page, top);
    top += row.height;
  }
  return encodeGreyPng(page);
}

/** Each glyph's rows as bit masks (bit `glyphWidthDots - 1 - x` is dot x), read from the font once per code. */
const glyphRowCache = new Map<number, Uint16Array>();

function glyphRows(code: number): Uint16Array {
  let rows = glyphRowCache.get(code);
  if (!rows) {
    rows = new Uint16Array(glyphHeightDots);
    for (let y = 0; y < glyphHeightDots; y += 1) {
      for (let x = 0; x < glyphWidthDots; x += 1) if (asciiGlyphDot(code, x, y)) rows[y] = (rows[y] ?? 0) | (1 << (glyphWidthDots - 1 - x));
    }
    glyphRowCache.set(code, rows);
  }
  return rows;
}

/** Draws an ASCII glyph scaled by WIDTH × HEIGHT SCALE; bold doubles each dot one dot to the right. */
function drawGlyph(page: GreyPage, code: number, left: number, top: number, widthScale: number, heightScale: number, bold: boolean, value: number): void {
  const rows = glyphRows(code);
  for (let y = 0; y < glyphHeightDots; y += 1) {
    const row = rows[y] ?? 0;
    if (row === 0) continue;
    for (let x = 0; x < glyphWidthDots; x += 1) {
      if ((row & (1 << (glyphWidthDots - 1 - x))) === 0) continue;
      fillRect(page, left + x * widthScale, top + y * heightScale, widthScale + (bold ? 1 : 0), heightScale, value);
    }
  }
}

function alignLeft(align: 'left' | 'center' | 'right', contentWidth: number, paperWidth: number): number {
  const free = Math.max(0, paperWidth - contentWidth);
  return align === 'center' ? Math.floor(free / 2) : align === 'right' ? free : 0;
}

/** Fills the part of the rectangle that lies on the page. */
function fillRect(page: GreyPage, left: number, top: number, width: number, height: number, value: number): void {
  const x0 = Math.max(0, left);
  const x1 = Math.min(page.width, left + width);
  if (x1 <= x0) return;
  for (let y = Math.max(0, top); y < Math.min(page.height, top + height); y += 1) page.data.fill(value, y * page.width + x0, y * page.width + x1);
}

function dashedLine(page: GreyPage, y: number): void {
  if (y < 0 || y >= page.height) return;
  for (let x = 0; x < page.width; x += 1) if (x % 12 < 6) page.data[y * page.width + x] = 160;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** A PNG of PAGE: 8-bit greyscale, no interlace, filter type 0 (None) on every row. */
function encodeGreyPng(page: GreyPage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(page.width, 0);
  header.writeUInt32BE(page.height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method
  header[12] = 0; // no interlace
  const stride = page.width + 1;
  const scanlines = Buffer.alloc(stride * page.height);
  for (let y = 0; y < page.height; y += 1) {
    // byte 0 of each row stays 0: filter None
    scanlines.set(page.data.subarray(y * page.width, (y + 1) * page.width), y * stride + 1);
  }
  return Buffer.concat([pngSignature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(scanlines, { level: 1 })), pngChunk('IEND', new Uint8Array(0))]);
}
