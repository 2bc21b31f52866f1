/**
 * `terminal print-test` and `terminal simulate printer` as child processes over socat PTYs: against
 * a hand-written printer that is not ours (raw serialport, its own byte checks), and against the
 * simulator command with and without faults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { runTerminalCli, terminalBin } from '../../support/run-terminal-cli.js';
import { createPtyPair } from '../../../hardware/simulators/pty-pair.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const runTerminal = (args: readonly string[]) => runTerminalCli(args);

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'print-cli-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** Starts `terminal simulate printer` and resolves once it prints its ready line. */
async function startSimulatorCommand(args: readonly string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [terminalBin, 'simulate', 'printer', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  for (let waited = 0; !output.includes('printer simulator ready'); waited += 50) {
    if (child.exitCode !== null || waited > 30_000) throw new Error(`simulate printer did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output };
}

const indexOf = (haystack: Buffer, needle: readonly number[]) => haystack.indexOf(Buffer.from(needle));

describe('terminal print-test (child process)', { timeout: 120_000 }, () => {
  it('sends bytes an independent decoder reads as Chinese and ASCII text, a GS ( k QR with correct lengths, and a cut', async () => {
    const pair = await createPtyPair({ timeoutMs: 15_000 });
    cleanups.push(() => pair.close());
    // A printer that is not ours: raw serialport, answers DLE EOT n with 0x12 and GS r 1 with 0x00.
    const port = new SerialPort({ path: pair.devicePath, baudRate: 9600 });
    cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
    let received = Buffer.alloc(0);
    let scanned = 0;
    port.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (; scanned + 2 < received.length; scanned += 1) {
        const [first, second, third] = [received[scanned], received[scanned + 1], received[scanned + 2]];
        if (first === 0x10 && second === 0x04 && third !== undefined && third >= 1 && third <= 4) port.write(Buffer.of(0x12));
        if (first === 0x1d && second === 0x72 && third === 0x01) port.write(Buffer.of(0x00));
      }
    });
    await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));

    const run = await runTerminal(['print-test', '--printer', `serial:${pair.hostPath}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: test receipt printed on serial:.* printer status: ready/);

    expect(indexOf(received, [0x1b, 0x40])).toBeGreaterThanOrEqual(0);
    expect(indexOf(received, [0x1c, 0x26])).toBeGreaterThanOrEqual(0);
    expect(indexOf(received, [0xd6, 0xd0, 0xce, 0xc4])).toBeGreaterThanOrEqual(0); // 中文
    expect(indexOf(received, [0xa3, 0xa4, 0x36, 0x36, 0x2e, 0x30, 0x30])).toBeGreaterThanOrEqual(0); // ￥66.00
    expect(indexOf(received, [0x81, 0x30, 0x84, 0x36])).toBe(-1);
    expect(indexOf(received, [...Buffer.from('TEST-000001')])).toBeGreaterThanOrEqual(0);
    const qrData = Buffer.from('https://example.com/r/TEST-000001');
    const store = indexOf(received, [0x1d, 0x28, 0x6b]);
    expect(store).toBeGreaterThanOrEqual(0);
    const storeHeader = [0x1d, 0x28, 0x6b, (qrData.length + 3) & 0xff, (qrData.length + 3) >> 8, 0x31, 0x50, 0x30];
    const storeAt = indexOf(received, storeHeader);
    expect(storeAt).toBeGreaterThan(store);
    expect(received.subarray(storeAt + 8, storeAt + 8 + qrData.length).equals(qrData)).toBe(true);
    expect(indexOf(received, [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30])).toBeGreaterThan(storeAt);
    expect(indexOf(received, [0x1d, 0x56, 0x42, 0x00])).toBeGreaterThan(storeAt);
    expect(indexOf(received, [0x1d, 0x72, 0x01])).toBeGreaterThan(indexOf(received, [0x1d, 0x56, 0x42, 0x00]));
  });

  it('works against `terminal simulate printer`, which writes the receipt as .txt and a scannable .png', async () => {
    const folder = tempFolder();
    const link = join(folder, 'printer');
    const out = join(folder, 'receipts');
    const simulator = await startSimulatorCommand(['--link', link, '--out', out]);
    expect(simulator.output()).toContain(`host path ${link}`);
    const run = await runTerminal(['print-test', '--printer', `serial:${link}`, '--profile', 'generic-58mm']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (let waited = 0; !simulator.output().includes('receipt 1:') && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(simulator.output()).toContain('status query: DLE EOT 1');
    expect(readdirSync(out).sort()).toEqual(['receipt-0001.png', 'receipt-0001.txt']);
    expect(existsSync(join(out, 'receipt-0001.png'))).toBe(true);
    const scanned = spawnSync('zbarimg', ['-q', '--raw', join(out, 'receipt-0001.png')], { encoding: 'utf8' });
    expect(scanned.stdout.trim()).toBe('https://example.com/r/TEST-000001');
  });

  it('exits 1 with one clear line when the printer is out of paper', async () => {
    const folder = tempFolder();
    const link = join(folder, 'printer');
    await startSimulatorCommand(['--link', link, '--out', join(folder, 'out'), '--fault', 'paper-out']);
    const run = await runTerminal(['print-test', '--printer', `serial:${link}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: print-test failed: paper-out: the printer is out of paper; load a new roll \(.*\)\n$/);
  });

  it('exits 1 naming the reason for an open cover and for a printer that does not answer', async () => {
    const cover = await runTerminal(['print-test', '--printer', 'sim:printer?fault=cover-open']);
    expect(cover.code).toBe(1);
    expect(cover.stderr).toMatch(/^error: print-test failed: cover-open: the printer cover is open/);
    const silent = await runTerminal(['print-test', '--printer', 'sim:printer?fault=silent']);
    expect(silent.code).toBe(1);
    expect(silent.stderr).toMatch(/^error: print-test failed: offline: the printer does not answer.*no answer to DLE EOT 1/);
  });

  it('prints on a sim: printer and reports a near-end warning', async () => {
    const run = await runTerminal(['print-test', '--printer', 'sim:printer?fault=paper-near-end']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/proof of print received\); printer status: ready; warnings: paper-near-end\n$/);
  });

  it('exits 2 for a bad URI or profile', async () => {
    expect((await runTerminal(['print-test', '--printer', 'lpt1'])).code).toBe(2);
    expect((await runTerminal(['print-test', '--printer', 'sim:printer', '--profile', 'nope'])).code).toBe(2);
  });
});
