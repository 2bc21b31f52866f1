/**
 * Frames the byte stream of a serial (RS-232 / USB CDC-ACM) scanner into codes. Pure.
 *
 * Contract:
 * - A code ends at CR, LF or CRLF; the terminator is not part of the code. A CRLF split across
 *   two chunks counts once (no empty code in between). Empty lines are dropped.
 * - Chunk boundaries never matter: feeding the same bytes in any split gives the same codes.
 * - Bytes are framed first and decoded as UTF-8 per line (malformed sequences become U+FFFD),
 *   so a multi-byte character split across chunks is intact.
 * - A line longer than `maxLineBytes` (default 4096) is a flood or a missing terminator: its
 *   bytes are discarded up to the next terminator and reported once as an `overflow`.
 */

export type ScannerFrame = { readonly kind: 'code'; readonly text: string } | { readonly kind: 'overflow'; readonly discardedBytes: number };

const CR = 0x0d;
const LF = 0x0a;

export class ScannerLineFramer {
  private readonly maxLineBytes: number;
  private readonly decoder = new TextDecoder('utf-8');
  private buffer: Uint8Array;
  private length = 0;
  private afterCr = false;
  private discarding = 0;

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 4096;
    this.buffer = new Uint8Array(Math.min(256, this.maxLineBytes));
  }

  /** Bytes of the line in progress (for a device that times out a stuck line). */
  get pendingBytes(): number {
    return this.length + this.discarding;
  }

  /** Drops the line in progress. */
  reset(): void {
    this.length = 0;
    this.afterCr = false;
    this.discarding = 0;
  }

  push(chunk: Uint8Array): ScannerFrame[] {
    const frames: ScannerFrame[] = [];
    for (const byte of chunk) {
      if (byte === LF && this.afterCr) {
        this.afterCr = false;
        continue;
      }
      this.afterCr = byte === CR;
      if (byte === CR || byte === LF) {
        this.endLine(frames);
        continue;
      }
      if (this.discarding > 0) {
        this.discarding += 1;
        continue;
      }
      if (this.length >= this.maxLineBytes) {
        this.discarding = this.length + 1;
        this.length = 0;
        continue;
      }
      if (this.length === this.buffer.length) {
        const grown = new Uint8Array(Math.min(this.buffer.length * 2, this.maxLineBytes));
        grown.set(this.buffer);
        this.buffer = grown;
      }
      this.buffer[this.length] = byte;
      this.length += 1;
    }
    return frames;
  }

  private endLine(frames: ScannerFrame[]): void {
    if (this.discarding > 0) {
      frames.push({ kind: 'overflow', discardedBytes: this.discarding });
      this.discarding = 0;
      return;
    }
    if (this.length === 0) return;
    frames.push({ kind: 'code', text: this.decoder.decode(this.buffer.subarray(0, this.length)) });
    this.length = 0;
  }
}
