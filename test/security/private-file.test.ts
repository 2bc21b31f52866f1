import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDirectory, tightenMode, writePrivateFileDurably } from '../../sync/store/private-file.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
let savedUmask = 0;
beforeEach(() => {
  // The most permissive umask: every mode below comes from the code, not from the environment.
  savedUmask = process.umask(0);
});
afterEach(() => {
  process.umask(savedUmask);
});

describe('writePrivateFileDurably', () => {
  it('writes 0600, replacing an existing 0644 file, and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'private-'));
    const file = join(dir, 'secret.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    writePrivateFileDurably(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(modeOf(file)).toBe('600');
    expect(readdirSync(dir)).toEqual(['secret.json']);
  });

  it('writes bytes exactly, including large contents', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'private-')), 'blob');
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    writePrivateFileDurably(file, bytes);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('on a failed rename throws, removes its temp file and leaves the target as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'private-'));
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'kept');
    expect(() => writePrivateFileDurably(target, 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('modes', () => {
  it('ensurePrivateDirectory creates 0700 and tightens an existing 0755 folder, reporting it', () => {
    const base = mkdtempSync(join(tmpdir(), 'private-'));
    expect(ensurePrivateDirectory(join(base, 'new'))).toBeUndefined();
    expect(modeOf(join(base, 'new'))).toBe('700');
    const existing = join(base, 'old');
    mkdirSync(existing, { mode: 0o755 });
    expect(ensurePrivateDirectory(existing)).toEqual({ path: existing, from: '755', to: '700' });
    expect(modeOf(existing)).toBe('700');
  });

  it('tightenMode leaves stricter modes alone and never follows a symlink', () => {
    const base = mkdtempSync(join(tmpdir(), 'private-'));
    const strict = join(base, 'strict');
    writeFileSync(strict, 'x', { mode: 0o400 });
    expect(tightenMode(strict, 0o600)).toBeUndefined();
    expect(modeOf(strict)).toBe('400');
    const elsewhere = join(base, 'elsewhere');
    writeFileSync(elsewhere, 'x');
    chmodSync(elsewhere, 0o644);
    symlinkSync(elsewhere, join(base, 'link'));
    expect(tightenMode(join(base, 'link'), 0o600)).toBeUndefined();
    expect(modeOf(elsewhere)).toBe('644');
  });
});
