/**
 * A minimal ustar writer with gzip (node:zlib): enough for a diagnostics archive that `tar xzf`
 * and any archive tool open. Regular files only; names are ASCII paths of at most 100 bytes
 * (longer or non-ASCII names throw `RangeError`, a programming error in the caller).
 */
import { gzipSync } from 'node:zlib';

export interface ArchiveFile {
  readonly name: string;
  readonly content: Uint8Array | string;
  /** Modification time (epoch ms) recorded in the header. */
  readonly mtimeMs: number;
}

const blockSize = 512;

function writeField(header: Buffer, offset: number, length: number, text: string): void {
  header.write(text, offset, length, 'ascii');
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function tarHeader(name: string, size: number, mtimeMs: number): Buffer {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(name) || Buffer.byteLength(name) > 100) throw new RangeError(`tar entry name "${name}" must be printable ASCII of at most 100 bytes`);
  const header = Buffer.alloc(blockSize, 0);
  writeField(header, 0, 100, name);
  writeField(header, 100, 8, octal(0o600, 8));
  writeField(header, 108, 8, octal(0, 8));
  writeField(header, 116, 8, octal(0, 8));
  writeField(header, 124, 12, octal(size, 12));
  writeField(header, 136, 12, octal(Math.floor(mtimeMs / 1000), 12));
  writeField(header, 148, 8, '        ');
  writeField(header, 156, 1, '0');
  writeField(header, 257, 6, 'ustar\0');
  writeField(header, 263, 2, '00');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  writeField(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** The tar bytes of FILES, in order, ended by the two zero blocks. */
export function tarArchive(files: readonly ArchiveFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
    parts.push(tarHeader(file.name, content.length, file.mtimeMs), content);
    const padding = (blockSize - (content.length % blockSize)) % blockSize;
    if (padding > 0) parts.push(Buffer.alloc(padding, 0));
  }
  parts.push(Buffer.alloc(blockSize * 2, 0));
  return Buffer.concat(parts);
}

export function tarGzArchive(files: readonly ArchiveFile[]): Buffer {
  return gzipSync(tarArchive(files));
}
