/**
 * Hole #8.11 (part): the instance lock names its owner's PID and process start time, so a stale
 * lock whose PID now belongs to another program is taken over, and a live terminal's is not.
 * Uses real processes (`sleep`) as the "other program" and as the "live terminal".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireInstanceLock, InstanceLockError, processStartTime } from '../../../main/app/instance-lock.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function otherProgram(): Promise<number> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child.pid;
}

function statField22(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

function lockIn(): { lockFile: string; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'lock-'));
  return { lockFile: join(dataDir, 'terminal.lock'), dataDir };
}

describe.runIf(process.platform === 'linux')('instance lock', () => {
  it('names its PID and process start time (/proc/<pid>/stat field 22), and release removes it', () => {
    const { lockFile, dataDir } = lockIn();
    const lock = acquireInstanceLock(lockFile, dataDir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, processStartTime: statField22(process.pid) });
    expect(processStartTime(process.pid)).toBe(statField22(process.pid));
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses while the running owner (same PID and start time) holds it', async () => {
    const { lockFile, dataDir } = lockIn();
    const pid = await otherProgram();
    writeFileSync(lockFile, JSON.stringify({ pid, processStartTime: statField22(pid) }));
    expect(() => acquireInstanceLock(lockFile, dataDir)).toThrow(InstanceLockError);
    expect(() => acquireInstanceLock(lockFile, dataDir)).toThrow(new RegExp(`pid ${pid}`));
  });

  it('takes over a stale lock whose PID now belongs to another program (start time differs)', async () => {
    const { lockFile, dataDir } = lockIn();
    const pid = await otherProgram();
    writeFileSync(lockFile, JSON.stringify({ pid, processStartTime: '1' }));
    const lock = acquireInstanceLock(lockFile, dataDir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a lock in the old format (PID only) when that PID started after the lock was written', async () => {
    const { lockFile, dataDir } = lockIn();
    const pid = await otherProgram();
    writeFileSync(lockFile, String(pid));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lockFile, anHourAgo, anHourAgo);
    const lock = acquireInstanceLock(lockFile, dataDir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('respects a lock in the old format whose PID was running before the lock was written', async () => {
    const { lockFile, dataDir } = lockIn();
    const pid = await otherProgram();
    const future = new Date(Date.now() + 60_000);
    writeFileSync(lockFile, String(pid));
    utimesSync(lockFile, future, future);
    expect(() => acquireInstanceLock(lockFile, dataDir)).toThrow(InstanceLockError);
  });

  it('takes over the lock of a dead process and a damaged (empty) lock', () => {
    const { lockFile, dataDir } = lockIn();
    writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 7, processStartTime: '5' }));
    acquireInstanceLock(lockFile, dataDir).release();
    writeFileSync(lockFile, '');
    acquireInstanceLock(lockFile, dataDir).release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('release leaves a lock it does not own', async () => {
    const { lockFile, dataDir } = lockIn();
    const lock = acquireInstanceLock(lockFile, dataDir);
    const pid = await otherProgram();
    const someoneElse = JSON.stringify({ pid, processStartTime: statField22(pid) });
    writeFileSync(lockFile, someoneElse);
    lock.release();
    expect(readFileSync(lockFile, 'utf8')).toBe(someoneElse);
  });
});
