/**
 * Keeps a terminal's data directory private to its user: the folder and its subfolders 0700, and
 * every file it holds directly, plus the files in `runtime/`, `credentials/`, `logs/` and
 * `sandbox/`, 0600 (journal, databases, keys, tokens, logs). Fixes a directory that already
 * existed with looser modes and returns every change, for the caller to log.
 *
 * Run it before anything is opened (it also creates the empty journal file as 0600, so SQLite
 * gives its `-wal` and `-shm` files the same mode), and again once start-up has created its other
 * files (the embedded sandbox's database). Idempotent; symlinks are never followed; no-op for
 * modes on Windows (the folder's ACL applies there).
 */
import { closeSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory, privateDirectoryMode, privateFileMode, tightenMode, type ModeFix } from '../../sync/store/private-file.js';
import { dataDirLayout } from '../config/data-dir.js';

/** Subfolders whose files are swept too (one level, no deeper: the Chromium profile manages itself). */
const sweptSubfolders = ['runtime', 'credentials', 'logs', 'sandbox'] as const;

function sweepFolder(folder: string, fixes: ModeFix[], tightenSubfolders: boolean): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const path = join(folder, name);
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats) continue;
    const fix = stats.isFile() ? tightenMode(path, privateFileMode) : stats.isDirectory() && tightenSubfolders ? tightenMode(path, privateDirectoryMode) : undefined;
    if (fix) fixes.push(fix);
  }
}

/** Creates FILE empty as 0600 when nothing is at that path; anything already there is left to its owner to judge. */
function createPrivateFileIfAbsent(file: string): void {
  if (lstatSync(file, { throwIfNoEntry: false })) return;
  try {
    closeSync(openSync(file, 'wx', privateFileMode));
  } catch (error) {
    // Another process created it between the check and the open: it is there, which is the point.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Creates or tightens DATADIR as described above; returns the mode changes made (empty when none). */
export function secureDataDirectory(dataDir: string): ModeFix[] {
  const layout = dataDirLayout(dataDir);
  const fixes: ModeFix[] = [];
  for (const folder of [dataDir, layout.runtime]) {
    const fix = ensurePrivateDirectory(folder);
    if (fix) fixes.push(fix);
  }
  createPrivateFileIfAbsent(layout.journal);
  sweepFolder(dataDir, fixes, true);
  for (const subfolder of sweptSubfolders) sweepFolder(join(dataDir, subfolder), fixes, false);
  return fixes;
}
