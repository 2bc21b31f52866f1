/**
 * Owner-only files and folders, written so a crash or power cut leaves either the old content or
 * the new one, never an empty or half file.
 *
 * - `writePrivateFileDurably`: writes a fresh temp file (created 0600, exclusive) next to the
 *   target, fsyncs it, renames it over the target and fsyncs the folder, so the rename itself is
 *   on disk. On any failure the temp file is removed and the target is untouched.
 * - `ensurePrivateDirectory` / `tightenMode`: create or fix modes and report what they changed,
 *   so the caller can log it. Only regular files and folders are changed; a symlink is never
 *   followed (it could point anywhere).
 *
 * POSIX only for modes and the folder fsync: on Windows modes do not apply (the folder's ACL
 * does) and a folder cannot be opened for fsync, so those steps are skipped there.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const privateFileMode = 0o600;
export const privateDirectoryMode = 0o700;

/** A permission change made on a path that others could read (or write). */
export interface ModeFix {
  readonly path: string;
  /** Octal text, like "644". */
  readonly from: string;
  readonly to: string;
}

const posix = process.platform !== 'win32';

function octal(mode: number): string {
  return (mode & 0o777).toString(8);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Fsyncs DIRECTORY so a rename or create inside it survives a power cut. */
export function fsyncDirectory(directory: string): void {
  if (!posix) return;
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces FILE with CONTENT durably and atomically, mode 0600. The folder must exist. */
export function writePrivateFileDurably(file: string, content: string | Uint8Array): void {
  const directory = dirname(file);
  const temp = join(directory, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const fd = openSync(temp, 'wx', privateFileMode);
  try {
    try {
      // The umask can only take bits away from 0600; a strange one (0400 left) is corrected here.
      if (posix) fchmodSync(fd, privateFileMode);
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDirectory(directory);
}

/**
 * Sets PATH (a regular file or a folder) to MODE when it grants more than MODE does; returns the
 * change made, or undefined when none was needed or possible (missing, not a file or folder, or
 * owned by another user).
 */
export function tightenMode(path: string, mode: number): ModeFix | undefined {
  if (!posix) return undefined;
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stats.isFile() && !stats.isDirectory()) return undefined;
  if ((stats.mode & 0o777 & ~mode) === 0) return undefined;
  try {
    chmodSync(path, mode);
  } catch (error) {
    // Owned by another user (a config file provisioned by root): theirs to fix; the private folder
    // around it still keeps others out.
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return undefined;
    throw error;
  }
  return { path, from: octal(stats.mode), to: octal(mode) };
}

/** Creates DIRECTORY (and parents) as 0700, or tightens it to 0700 when it already existed. */
export function ensurePrivateDirectory(directory: string): ModeFix | undefined {
  mkdirSync(directory, { recursive: true, mode: privateDirectoryMode });
  return tightenMode(directory, privateDirectoryMode);
}
