/**
 * Hole #8.2, crash side: a terminal killed while a PIN check runs must not hand out a free try.
 * The child reserves an attempt, then is SIGKILLed before its scrypt check finishes.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPin } from '../../main/auth/pin-hash.js';
import { projectRoot } from '../../main/app/project-files.js';
import { Journal } from '../../sync/store/journal.js';

function runUntilReserved(journalFile: string, fifoFile: string, pinHash: string): Promise<string> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run-ts.js'), join(projectRoot, 'test', 'faults', 'children', 'pin-check-child.ts'), journalFile, fifoFile, pinHash], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('reserved\n')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(output) : reject(new Error(`child exited with ${String(code)}: ${errors.slice(-2000)}`))));
  });
}

describe('a terminal killed during a PIN check', () => {
  it('keeps the attempt counted in the journal, for each of 3 kills, the third (pinMaxAttempts 3) leaving a lockout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pin-crash-'));
    const journalFile = join(dir, 'journal.sqlite');
    const fifoFile = join(dir, 'never-written');
    execFileSync('mkfifo', [fifoFile]);
    const pinHash = await hashPin('4821');
    Journal.open(journalFile).close();
    for (let kill = 1; kill <= 3; kill += 1) {
      const output = await runUntilReserved(journalFile, fifoFile, pinHash);
      // The check never ran: the kill came before any verdict.
      expect(output).toBe('reserved\n');
      const journal = Journal.open(journalFile);
      try {
        expect(journal.pinAttemptState('cashier').failedAttempts).toBe(kill);
        if (kill === 3) expect(journal.pinAttemptState('cashier').lockedUntilMs).toBeGreaterThan(0);
      } finally {
        journal.close();
      }
    }
  }, 120_000);
});
