/**
 * Splits a byte stream into text lines ended by CR, LF or CRLF, as text adapters (Qibixx MDB,
 * serial scanners) send them. Incremental, never throws. Bytes are read as Latin-1 so any byte
 * maps to one character and a parser further on can reject what it does not know.
 *
 * Contract: empty lines are skipped; a line longer than `maxLineLength` is reported once as
 * 'line-too-long' and its bytes up to the next line end are dropped, so a flood without line
 * ends never grows the buffer beyond `maxLineLength`.
 */
export type TextLineResult = { readonly ok: true; readonly line: string } | { readonly ok: false; readonly error: { readonly code: 'line-too-long'; readonly length: number } };

export class TextLineDecoder {
  private current = '';
  private overflowLength = 0;

  constructor(private readonly maxLineLength = 256) {}

  push(chunk: Uint8Array): TextLineResult[] {
    const results: TextLineResult[] = [];
    for (const byte of chunk) {
      if (byte === 0x0a || byte === 0x0d) {
        if (this.overflowLength > 0) {
          results.push({ ok: false, error: { code: 'line-too-long', length: this.overflowLength } });
          this.overflowLength = 0;
        } else if (this.current.length > 0) {
          results.push({ ok: true, line: this.current });
        }
        this.current = '';
        continue;
      }
      if (this.overflowLength > 0) {
        this.overflowLength += 1;
      } else if (this.current.length >= this.maxLineLength) {
        this.overflowLength = this.current.length + 1;
        this.current = '';
      } else {
        this.current += String.fromCharCode(byte);
      }
    }
    return results;
  }
}
