import { describe, expect, it } from 'vitest';
import { asciiGlyphDot, glyphHeightDots, glyphWidthDots, hasAsciiGlyph } from '../../../hardware/simulators/ascii-bitmap-font.js';

const dots = (code: number) => {
  let count = 0;
  for (let y = 0; y < glyphHeightDots; y += 1) for (let x = 0; x < glyphWidthDots; x += 1) if (asciiGlyphDot(code, x, y)) count += 1;
  return count;
};

describe('ASCII bitmap font', () => {
  it('has a glyph for every printable ASCII character, blank only for the space', () => {
    for (let code = 0x20; code <= 0x7e; code += 1) {
      expect(hasAsciiGlyph(code)).toBe(true);
      if (code === 0x20) expect(dots(code)).toBe(0);
      else expect(dots(code)).toBeGreaterThan(3);
    }
  });

  it('draws distinct glyphs (the font is not one repeated shape)', () => {
    const shapes = new Set<string>();
    for (let code = 0x21; code <= 0x7e; code += 1) {
      let shape = '';
      for (let y = 0; y < glyphHeightDots; y += 1) for (let x = 0; x < glyphWidthDots; x += 1) shape += asciiGlyphDot(code, x, y) ? '#' : '.';
      shapes.add(shape);
    }
    expect(shapes.size).toBe(0x7e - 0x21 + 1);
  });

  it('has no glyph outside ASCII or outside the cell', () => {
    expect(hasAsciiGlyph(0x4e2d)).toBe(false);
    expect(asciiGlyphDot(0x4e2d, 5, 10)).toBe(false);
    expect(asciiGlyphDot(0x41, -1, 10)).toBe(false);
    expect(asciiGlyphDot(0x41, 12, 10)).toBe(false);
  });
});
