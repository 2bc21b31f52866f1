/**
 * Hole #8.7, durability: credentials/terminal.json came back empty after an emergency read-only
 * remount, because it was written without fsync. This traces the real system calls of a process
 * saving credentials (strace) and checks the write-fsync-rename-fsync(folder) order for every
 * credentials file: after a power cut the file holds either its old or its new content.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../main/app/project-files.js';

interface Call {
  readonly name: string;
  readonly text: string;
}

function traceSave(dataDir: string): Call[] {
  const traceFile = join(dataDir, '..', `${dataDir.split('/').pop() ?? 'trace'}.strace`);
  execFileSync(
    'strace',
    ['-f', '-y', '-qq', '-o', traceFile, '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2', process.execPath, join(projectRoot, 'bin', 'run-ts.js'), join(projectRoot, 'test', 'faults', 'children', 'save-credentials-child.ts'), dataDir],
    { stdio: 'pipe' },
  );
  return readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(join(dataDir, 'credentials')))
    .map((line) => ({ name: /^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\(/.exec(line)?.[1] ?? '?', text: line }));
}

describe('credentials are written durably', () => {
  it('each credentials file: temp written and fsynced, renamed into place, then the folder fsynced', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'durable-'));
    const calls = traceSave(dataDir);
    const folder = join(dataDir, 'credentials');
    for (const name of ['terminal.json', 'secret.key']) {
      const target = join(folder, name);
      const renameIndex = calls.findIndex((call) => call.name.startsWith('rename') && call.text.includes(`"${target}"`));
      expect(renameIndex, `no rename onto ${name} in:\n${calls.map((call) => call.text).join('\n')}`).toBeGreaterThanOrEqual(0);
      const tempPath = /"([^"]+)"/.exec(calls[renameIndex]!.text)?.[1] ?? '';
      expect(tempPath).not.toBe(target);
      const tempFsync = calls.findIndex((call) => call.name === 'fsync' && call.text.includes(`<${tempPath}>`));
      expect(tempFsync, `${name}: the temp file is fsynced`).toBeGreaterThanOrEqual(0);
      expect(tempFsync, `${name}: fsync before the rename`).toBeLessThan(renameIndex);
      const folderFsync = calls.findIndex((call, index) => index > renameIndex && call.name === 'fsync' && call.text.includes(`<${folder}>`));
      expect(folderFsync, `${name}: the folder is fsynced after the rename`).toBeGreaterThan(renameIndex);
    }
  }, 60_000);
});
