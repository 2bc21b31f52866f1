/**
 * One terminal per data directory: two processes acting on one journal would both resolve the
 * same open intents.
 *
 * The lock file is JSON `{ pid, processStartTime }`: the owner's PID and, on Linux, its start
 * time in clock ticks since boot (field 22 of /proc/<pid>/stat). A PID alone is not an identity:
 * after a crash and a reboot the PID may belong to another program. A lock is stale, and taken
 * over, when its PID is dead, or runs a process with another start time, or (a lock holding only
 * a PID, as older versions wrote it) runs a process that started after the lock was written.
 *
 * The lock appears atomically with its full content (written to a private temp file, fsynced,
 * then hard-linked into place, which fails when a lock exists), so no starter ever reads a
 * half-written lock. A stale lock is taken over by renaming it aside and checking that the lock
 * renamed is the one judged stale; if another starter replaced it meanwhile, it is put back.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirectory, writePrivateFileDurably } from '../../sync/store/private-file.js';

export class InstanceLockError extends Error {
  override readonly name = 'InstanceLockError';
}

interface LockOwner {
  readonly pid: number;
  /** /proc/<pid>/stat field 22 as text; absent where /proc is not available, and in old locks. */
  readonly processStartTime?: string | undefined;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat field 22; 100 on every architecture Linux ships. */
const clockTicksPerSecond = 100;
/** /proc/stat's boot time has a resolution of one second. */
const startTimeSlackMs = 2_000;

/** Field 22 of /proc/PID/stat (start time in clock ticks after boot); undefined when unavailable. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // No such process, or no /proc (macOS, Windows): the caller falls back to the PID alone.
    if (['ENOENT', 'ESRCH', 'EACCES', 'ENOTDIR'].includes(String((error as NodeJS.ErrnoException).code))) return undefined;
    throw error;
  }
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = fields[19];
  return startTicks !== undefined && /^\d+$/.test(startTicks) ? startTicks : undefined;
}

/** When PID started, in epoch milliseconds (Linux); undefined when unknown. */
function processStartEpochMs(pid: number): number | undefined {
  const ticks = processStartTime(pid);
  if (ticks === undefined) return undefined;
  const bootSeconds = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
  return bootSeconds === undefined ? undefined : Number(bootSeconds) * 1000 + (Number(ticks) * 1000) / clockTicksPerSecond;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner a lock's TEXT names; undefined for a damaged lock (nobody can own it). */
function parseOwner(text: string): LockOwner | undefined {
  if (/^\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10) };
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; processStartTime?: unknown };
    if (!Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0) return undefined;
    return { pid: parsed.pid as number, processStartTime: typeof parsed.processStartTime === 'string' ? parsed.processStartTime : undefined };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Whether the process that wrote a lock (OWNER, written at LOCKWRITTENMS) is still running. */
function ownerRunning(owner: LockOwner, lockWrittenMs: number): boolean {
  // Our own PID: an earlier start in this very process left it (as before: ours to take over).
  if (owner.pid === process.pid) return false;
  if (!processAlive(owner.pid)) return false;
  const current = processStartTime(owner.pid);
  if (current === undefined) return true;
  if (owner.processStartTime !== undefined) return owner.processStartTime === current;
  const startedMs = processStartEpochMs(owner.pid);
  return startedMs === undefined || startedMs <= lockWrittenMs + startTimeSlackMs;
}

function readLock(lockFile: string): { text: string; writtenMs: number } | undefined {
  try {
    const writtenMs = lstatSync(lockFile).mtimeMs;
    return { text: readFileSync(lockFile, 'utf8'), writtenMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function uniqueSibling(file: string, purpose: string): string {
  return `${file}.${purpose}.${process.pid}.${randomBytes(6).toString('hex')}`;
}

/** Creates LOCKFILE holding CONTENT, complete or not at all; false when a lock already exists. */
function createLock(lockFile: string, content: string): boolean {
  const draft = uniqueSibling(lockFile, 'draft');
  writePrivateFileDurably(draft, content);
  try {
    linkSync(draft, lockFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  fsyncDirectory(dirname(lockFile));
  return true;
}

/** Removes LOCKFILE if it still holds STALETEXT; a lock that changed meanwhile is put back. */
function removeStaleLock(lockFile: string, staleText: string): void {
  const aside = uniqueSibling(lockFile, 'stale');
  try {
    renameSync(lockFile, aside);
  } catch (error) {
    // Someone else removed it first: nothing left to take over.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readFileSync(aside, 'utf8') !== staleText) {
    try {
      linkSync(aside, lockFile);
    } catch (error) {
      // A third starter already holds a new lock; the one put aside was replaced either way.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  rmSync(aside, { force: true });
}

export function acquireInstanceLock(lockFile: string, dataDir: string): { release: () => void } {
  const content = JSON.stringify({ pid: process.pid, processStartTime: processStartTime(process.pid) });
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createLock(lockFile, content)) {
      return {
        release: () => {
          const current = readLock(lockFile);
          if (current?.text === content) rmSync(lockFile, { force: true });
        },
      };
    }
    const existing = readLock(lockFile);
    if (!existing) continue;
    const owner = parseOwner(existing.text);
    if (owner && ownerRunning(owner, existing.writtenMs)) {
      throw new InstanceLockError(`another terminal (pid ${owner.pid}) is already running on ${dataDir}; stop it first or pass a different --data-dir`);
    }
    removeStaleLock(lockFile, existing.text);
  }
  throw new InstanceLockError(`could not take the lock ${lockFile}: other terminals kept starting on ${dataDir} at the same time`);
}
