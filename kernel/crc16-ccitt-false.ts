/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR), as EMVCo MPM QR
 * codes use for tag 63 over the UTF-8 bytes before the checksum value, `6304` included.
 * Check value: "123456789" → 0x29B1.
 */
const table = (() => {
  const entries = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    entries[byte] = crc;
  }
  return entries;
})();

export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

/**
 * The CRC of `text`'s UTF-8 bytes, encoded on the fly (no byte array is allocated: the EMV
 * encoder computes one per payload). Lone surrogates count as U+FFFD, as TextEncoder does.
 */
export function crc16CcittFalseOfText(text: string): number {
  const pairs = wordTable();
  let crc = 0xffff;
  const length = text.length;
  let index = 0;
  while (index < length) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      const next = index + 1 < length ? text.charCodeAt(index + 1) : 0x80;
      if (next < 0x80) {
        // Two ASCII bytes at once: the register is 16 bits wide, so one word-table step.
        crc = pairs[(crc ^ ((code << 8) | next)) & 0xffff] as number;
        index += 2;
      } else {
        crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ code) & 0xff] as number);
        index += 1;
      }
      continue;
    }
    index += 1;
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = index < length ? text.charCodeAt(index) : 0;
      if (code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        index += 1;
      } else code = 0xfffd;
    }
    let bytes: number;
    let count: number;
    if (code < 0x800) {
      bytes = ((0xc0 | (code >> 6)) << 8) | (0x80 | (code & 0x3f));
      count = 2;
    } else if (code < 0x10000) {
      bytes = ((0xe0 | (code >> 12)) << 16) | ((0x80 | ((code >> 6) & 0x3f)) << 8) | (0x80 | (code & 0x3f));
      count = 3;
    } else {
      bytes = (((0xf0 | (code >> 18)) << 24) | ((0x80 | ((code >> 12) & 0x3f)) << 16) | ((0x80 | ((code >> 6) & 0x3f)) << 8) | (0x80 | (code & 0x3f))) >>> 0;
      count = 4;
    }
    for (let shift = (count - 1) * 8; shift >= 0; shift -= 8) {
      crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ (bytes >>> shift)) & 0xff] as number);
    }
  }
  return crc;
}

let words: Uint16Array | undefined;

/**
 * CRC register after feeding 16 bits: entry w is the register that starts as w and takes two
 * zero bytes, so crc' = words[crc ^ (b0 << 8 | b1)]. 128 KiB, built on first use (a few ms).
 */
function wordTable(): Uint16Array {
  if (words) return words;
  const built = new Uint16Array(65536);
  for (let word = 0; word < 65536; word += 1) {
    const high = ((word & 0xff) << 8) ^ (table[word >> 8] as number);
    built[word] = ((high << 8) & 0xffff) ^ (table[high >> 8] as number);
  }
  words = built;
  return built;
}

/** Uppercase 4-digit hex, the form EMV payloads carry. */
export function crc16Hex(text: string): string {
  return crc16CcittFalseOfText(text).toString(16).toUpperCase().padStart(4, '0');
}
