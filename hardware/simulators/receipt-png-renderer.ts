/**
 * Renders a printed receipt as a PNG the width of the paper: graphics (QR codes, raster images)
 * pixel-exact so the QR scans (zbarimg), ASCII text in a 12 × 24 bitmap font (ESC/POS font A
 * size) and full-width characters (CJK, ￥) as grey 24 × 24 blocks, all scaled by the character
 * size: enough to check text, layout, alignment and wrapping by eye.
 */
import { PNG } from 'pngjs';
import { asciiGlyphDot, glyphHeightDots, glyphWidthDots, hasAsciiGlyph } from './ascii-bitmap-font.js';
import type { PrintedReceipt } from './printed-receipt.js';

const margin = 16;
const lineGap = 6;

export function renderReceiptPng(receipt: PrintedReceipt, widthDots: number): Buffer {
  const rows: { height: number; draw: (png: PNG, top: number) => void }[] = [];
  for (const element of receipt.elements) {
    if (element.kind === 'graphic') {
      const left = alignLeft(element.align, element.widthDots, widthDots);
      rows.push({
        height: element.heightDots + lineGap,
        draw: (png, top) => {
          for (let y = 0; y < element.heightDots; y += 1) {
            for (let x = 0; x < element.widthDots; x += 1) {
              if (element.pixels[y * element.widthDots + x] === 1) setPixel(png, margin + left + x, top + y, 0);
            }
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
      draw: (png, top) => {
        if (element.invert) fillRect(png, margin + left, top, lineWidth, cellHeight, 0);
        let x = margin + left;
        const ink = element.invert ? 255 : 0;
        for (const cell of cells) {
          if (hasAsciiGlyph(cell.code)) drawGlyph(png, cell.code, x, top, element.widthScale, element.heightScale, element.bold, ink);
          else if (!cell.blank) fillRect(png, x + 1, top + 4, cell.width - 2, cellHeight - 6, element.invert ? 255 : shade);
          x += cell.width;
        }
      },
    });
  }
  if (receipt.cut) rows.push({ height: 12, draw: (png, top) => dashedLine(png, top + 6) });
  const height = margin * 2 + rows.reduce((sum, row) => sum + row.height, 0);
  const png = new PNG({ width: widthDots + margin * 2, height: Math.max(height, margin * 2 + 1) });
  png.data.fill(255);
  let top = margin;
  for (const row of rows) {
    row.draw(png, top);
    top += row.height;
  }
  return PNG.sync.write(png);
}

/** Draws an ASCII glyph scaled by WIDTH × HEIGHT SCALE; bold doubles each dot one dot to the right. */
function drawGlyph(png: PNG, code: number, left: number, top: number, widthScale: number, heightScale: number, bold: boolean, value: number): void {
  for (let y = 0; y < glyphHeightDots; y += 1) {
    for (let x = 0; x < glyphWidthDots; x += 1) {
      if (!asciiGlyphDot(code, x, y)) continue;
      fillRect(png, left + x * widthScale, top + y * heightScale, widthScale + (bold ? 1 : 0), heightScale, value);
    }
  }
}

function alignLeft(align: 'left' | 'center' | 'right', contentWidth: number, paperWidth: number): number {
  const free = Math.max(0, paperWidth - contentWidth);
  return align === 'center' ? Math.floor(free / 2) : align === 'right' ? free : 0;
}

function setPixel(png: PNG, x: number, y: number, value: number): void {
  if (x < 0 || y < 0 || x >= png.width || y >= png.height) return;
  const index = (y * png.width + x) * 4;
  png.data[index] = value;
  png.data[index + 1] = value;
  png.data[index + 2] = value;
  png.data[index + 3] = 255;
}

function fillRect(png: PNG, left: number, top: number, width: number, height: number, value: number): void {
  for (let y = top; y < top + height; y += 1) for (let x = left; x < left + width; x += 1) setPixel(png, x, y, value);
}

function dashedLine(png: PNG, y: number): void {
  for (let x = 0; x < png.width; x += 1) if (x % 12 < 6) setPixel(png, x, y, 160);
}
