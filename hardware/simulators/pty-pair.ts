/**
 * A linked pair of pseudo-terminals made by socat (Debian package `socat`): bytes written on one
 * end arrive on the other, and the real serialport binding opens both. Used by `terminal simulate`
 * and by integration tests: the simulator opens one end, the driver under test the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** Stable symlink paths: `devicePath` for the simulated device, `hostPath` for the driver. */
  readonly devicePath: string;
  readonly hostPath: string;
  close(): Promise<void>;
}

export class PtyUnavailableError extends Error {
  override readonly name = 'PtyUnavailableError';
}

export async function createPtyPair(options: { hostPath?: string; devicePath?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const folder = mkdtempSync(join(tmpdir(), 'pty-'));
  const devicePath = options.devicePath ?? join(folder, 'device');
  const hostPath = options.hostPath ?? join(folder, 'host');
  let child: ChildProcess;
  try {
    child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new PtyUnavailableError(`cannot start socat: ${(error as Error).message}`);
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_resolve, reject) =>
    child.once('error', (error) => reject(new PtyUnavailableError(`cannot start socat (install the Debian package socat): ${error.message}`))),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const ready = (async () => {
    while (!(existsSync(devicePath) && existsSync(hostPath) && stderr.includes('starting data transfer loop'))) {
      if (child.exitCode !== null) throw new PtyUnavailableError(`socat exited: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new PtyUnavailableError(`socat did not create the pair in time: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    devicePath,
    hostPath,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** The /dev/pts/N behind a link, for logs. */
export function resolvePtyPath(link: string): string {
  return realpathSync(link);
}
