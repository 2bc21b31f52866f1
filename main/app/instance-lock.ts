/**
 * One terminal per data directory: two processes acting on one journal would both resolve the
 * same open intents. The lock file holds the owner's pid; a lock left by a dead process is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export class InstanceLockError extends Error {
  override readonly name = 'InstanceLockError';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireInstanceLock(lockFile: string, dataDir: string): { release: () => void } {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          try {
            if (readFileSync(lockFile, 'utf8') === String(process.pid)) rmSync(lockFile);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new InstanceLockError(`another terminal (pid ${owner}) is already running on ${dataDir}; stop it first or pass a different --data-dir`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new InstanceLockError(`could not take the lock ${lockFile}`);
}
