/**
 * `terminal vend-test` and `terminal simulate board|relay|mdb` as child processes: against the
 * in-process simulators (sim: URIs), against the simulator commands over socat PTYs, and against
 * a hand-written MDB controller that is not ours (raw serialport, its own line handling).
 */
import { spawn } from 'node:child_process';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { runTerminalCli, terminalBin } from '../../support/run-terminal-cli.js';
import { createPtyPair } from '../../../hardware/simulators/pty-pair.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const runTerminal = (args: readonly string[]) => runTerminalCli(args, { timeoutMs: 90_000 });

async function startSimulator(kind: string, args: readonly string[]): Promise<{ hostPath: string; output: () => string }> {
  const child = spawn(process.execPath, [terminalBin, 'simulate', kind, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  for (let waited = 0; !/simulator ready: host path (\S+)/.test(output); waited += 50) {
    if (child.exitCode !== null || waited > 60_000) throw new Error(`simulate ${kind} did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { hostPath: /simulator ready: host path (\S+)/.exec(output)?.[1] ?? '', output: () => output };
}

describe('terminal vend-test against in-process simulators', () => {
  it('prints dispensed and exits 0 when the drop sensor sees the product', async () => {
    const run = await runTerminal(['vend-test', '--board', 'sim:board', '--slot', '3']);
    expect(run.stdout).toContain('dispensed: slot 3 (drop sensor saw the product)');
    expect(run.code).toBe(0);
  }, 120_000);

  it('exits 1 with the reason when the board jams', async () => {
    const run = await runTerminal(['vend-test', '--board', 'sim:board?fault=jam', '--slot', '3']);
    expect(run.stdout).toContain('not dispensed: slot 3: jam');
    expect(run.stderr).toContain('error: slot 3 was not dispensed (jam)');
    expect(run.code).toBe(1);
  }, 120_000);

  it('exits 2 on wrong usage', async () => {
    const run = await runTerminal(['vend-test', '--board', 'sim:board']);
    expect(run.stderr).toContain('--slot is required');
    expect(run.code).toBe(2);
  }, 120_000);
});

describe('terminal simulate over a pseudo-terminal', () => {
  it('simulate board logs the frames a vend-test sends and the vend succeeds', async () => {
    const simulator = await startSimulator('board', ['--motor-ms', '200']);
    const run = await runTerminal(['vend-test', '--board', `serial:${simulator.hostPath}`, '--slot', '7']);
    expect(run.stdout).toContain('dispensed: slot 7');
    expect(run.code).toBe(0);
    expect(simulator.output()).toContain('rx vend {"type":"vend","seq":1,"slot":7}');
  }, 120_000);

  it('simulate board --fault silence: vend-test resolves by STATUS-OF with the same sequence number', async () => {
    const simulator = await startSimulator('board', ['--motor-ms', '200', '--fault', 'silence']);
    const run = await runTerminal(['vend-test', '--board', `serial:${simulator.hostPath}`, '--slot', '2']);
    expect(run.stdout).toContain('dispensed: slot 2');
    expect(simulator.output()).toContain('rx status-of {"type":"status-of","seq":1}');
    expect(simulator.output().match(/rx vend /g)).toHaveLength(1);
  }, 120_000);

  it('simulate relay measures the pulse vend-test asks for', async () => {
    const simulator = await startSimulator('relay', []);
    const run = await runTerminal(['vend-test', '--relay', `serial:${simulator.hostPath}`, '--slot', '2', '--pulse-ms', '300']);
    expect(run.code).toBe(0);
    expect(simulator.output()).toContain('relay 2 on');
    expect(simulator.output()).toContain('relay 2 off');
  }, 120_000);

  it('simulate mdb --vend: vend-test --mdb approves the VMC request', async () => {
    const simulator = await startSimulator('mdb', ['--vend', '7@3.50']);
    const run = await runTerminal(['vend-test', '--mdb', `serial:${simulator.hostPath}?baud=115200`, '--wait-ms', '30000']);
    expect(run.stdout).toContain('dispensed: slot 7 (VMC reported VEND SUCCESS)');
    expect(simulator.output()).toContain('rx C,VEND,3.50');
  }, 120_000);
});

/** A vending machine controller that is not ours: raw serialport, Qibixx adapter lines written by hand. */
async function foreignVmc(): Promise<{ hostPath: string; received: string[] }> {
  const pair = await createPtyPair();
  cleanups.push(() => pair.close());
  const port = new SerialPort({ path: pair.devicePath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  const received: string[] = [];
  let pending = '';
  const say = (line: string) => port.write(`${line}\r\n`);
  port.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.length > 0)) {
      received.push(line);
      if (line === 'C,1') {
        say('c,STATUS,INACTIVE');
        say('c,STATUS,DISABLED');
        say('c,STATUS,ENABLED');
        setTimeout(() => say('c,STATUS,VEND,2.00,12'), 300);
      } else if (line.startsWith('C,VEND,') && line !== 'C,VEND,-1') {
        say('c,VEND,SUCCESS');
        say('c,STATUS,IDLE');
        say('c,STATUS,ENABLED');
      } else if (line === 'C,VEND,-1') {
        say('c,STATUS,ENABLED');
      }
    }
  });
  return { hostPath: pair.hostPath, received };
}

describe('terminal vend-test --mdb against an MDB controller that is not ours', () => {
  it('gets C,1 then C,VEND,<amount> and reports success', async () => {
    const vmc = await foreignVmc();
    const run = await runTerminal(['vend-test', '--mdb', `serial:${vmc.hostPath}?baud=115200`, '--wait-ms', '30000']);
    expect(run.stdout).toContain('VMC asks 2.00 for item 12');
    expect(run.stdout).toContain('dispensed: slot 12');
    expect(run.code).toBe(0);
    expect(vmc.received).toEqual(['C,1', 'C,VEND,2.00']);
  }, 120_000);

  it('gets C,1 then C,VEND,-1 when the technician denies', async () => {
    const vmc = await foreignVmc();
    const run = await runTerminal(['vend-test', '--mdb', `serial:${vmc.hostPath}?baud=115200`, '--deny', '--wait-ms', '30000']);
    expect(run.stdout).toContain('denied: C,VEND,-1 sent for item 12');
    expect(run.code).toBe(0);
    expect(vmc.received).toEqual(['C,1', 'C,VEND,-1']);
  }, 120_000);
});
