/**
 * Technician commands for vending hardware:
 *
 *   terminal vend-test --board URI --slot N                 one vend on a dispense board
 *   terminal vend-test --relay URI --slot N [--pulse-ms MS]  one pulse on an LCUS relay (slot = channel)
 *   terminal vend-test --mdb URI [--slot ITEM] [--deny]      enable the cashless reader, wait for the
 *                                                           VMC's VEND request, approve (or deny) it
 *   terminal simulate board|relay|mdb [--link PATH] [--fault F]
 *
 * vend-test prints the outcome and exits 0 only when the product was dispensed (for --deny: when
 * the deny was sent). URIs are device URIs (serial:/dev/ttyUSB0?baud=9600, sim:board?fault=jam).
 * A test vend is not a sale: its state lives in memory, and the board's sequence numbers continue
 * from the last one the board reports, so the board never mistakes the test for an old vend.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { systemClock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import { formatMajorPrice, parseMajorPrice } from '../../hardware/protocols/mdb/qibixx-cashless-line.js';
import { attachVendingSimulator, SimulatedVendingUriError } from '../../hardware/simulators/attach-vending-simulator.js';
import { boardFaults, DispenseBoardSimulator, type BoardFault } from '../../hardware/simulators/dispense-board-simulator.js';
import { MdbVmcSimulator, vmcFaults, type VmcFault } from '../../hardware/simulators/mdb-vmc-simulator.js';
import { createPtyPair, resolvePtyPath } from '../../hardware/simulators/pty-pair.js';
import { RelayBoardSimulator, relayFaults, type RelayFault } from '../../hardware/simulators/relay-board-simulator.js';
import { parseDeviceUri, type DeviceUri } from '../../hardware/transports/device-uri.js';
import type { MemoryLink } from '../../hardware/transports/memory-transport.js';
import { openTransport, type SimulatedDeviceUri } from '../../hardware/transports/open-transport.js';
import { SerialTransport } from '../../hardware/transports/serial-transport.js';
import type { Transport } from '../../hardware/transports/transport.js';
import { DispenseBoardMachine } from '../../hardware/vending/dispense-board-machine.js';
import { MdbCashlessMachine, type MdbVendRequested } from '../../hardware/vending/mdb-cashless-machine.js';
import { MemoryVendStateStore } from '../../hardware/vending/memory-vend-state-store.js';
import { lcusRelaySwitch, RelayVendingMachine } from '../../hardware/vending/relay-vending-machine.js';
import type { VendOutcome } from '../../hardware/vending/vending-machine.js';
import { CliUsageError } from './cli-failure.js';
import { simulateCommand, type CliContext } from './terminal-cli.js';

/** Timers that keep the process alive while a vend is in flight (a sim: device holds no handle). */
const cliTimers: Timers = {
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
  monotonicNowMs: () => performance.now(),
};

function parseUri(text: string): DeviceUri {
  try {
    return parseDeviceUri(text);
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}

function positiveInteger(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new CliUsageError(`${what} must be a positive whole number, got "${text}"`);
  return value;
}

/** In-process simulators for sim:board, sim:relay and sim:mdb (the `?fault=` option picks a fault). */
function attachSimulator(uri: SimulatedDeviceUri, link: MemoryLink): void {
  try {
    attachVendingSimulator(uri, link, { timers: cliTimers, clock: systemClock });
  } catch (error) {
    if (error instanceof SimulatedVendingUriError) throw new CliUsageError(error.message);
    throw error;
  }
}

function describeOutcome(outcome: VendOutcome): string {
  switch (outcome.kind) {
    case 'dispensed':
      return `dispensed: slot ${outcome.slot} (${outcome.confirmedBy === 'drop-sensor' ? 'drop sensor saw the product' : outcome.confirmedBy === 'vmc' ? 'VMC reported VEND SUCCESS' : 'relay pulsed; no sensor confirms the drop'})`;
    case 'not-dispensed':
      return `not dispensed: slot ${outcome.slot}: ${outcome.reason} (${outcome.detail})${outcome.inspect ? '; the slot needs inspection' : ''}`;
    case 'unknown':
      return `unknown: slot ${outcome.slot}: ${outcome.detail}`;
  }
}

interface VendTestOptions {
  board?: string;
  relay?: string;
  mdb?: string;
  slot?: string;
  pulseMs: string;
  waitMs: string;
  deny?: boolean;
}

export function registerVendTestCommand(program: Command, { print }: CliContext): void {
  program
    .command('vend-test')
    .description('test-vend one slot on a dispense board (or relay, or an MDB machine) and print the outcome; exits non-zero unless dispensed (with --deny: unless the denial was sent)')
    .option('--board <uri>', 'dispense board, e.g. serial:/dev/ttyUSB0?baud=9600 or sim:board?fault=jam')
    .option('--relay <uri>', 'LCUS relay module (slot = relay channel), e.g. serial:/dev/ttyUSB1 or sim:relay')
    .option('--mdb <uri>', 'Qibixx MDB cashless adapter, e.g. serial:/dev/ttyACM0?baud=115200 or sim:mdb')
    .option('--slot <n>', 'slot to vend (board, relay); for --mdb, the item the VMC must ask for')
    .option('--pulse-ms <ms>', 'relay pulse length', '1000')
    .option('--wait-ms <ms>', 'MDB: how long to wait for the VMC to ask for a vend', '60000')
    .option('--deny', 'MDB: deny the VMC request (C,VEND,-1) instead of approving it')
    .action(async (options: VendTestOptions) => {
      const chosen = [options.board, options.relay, options.mdb].filter((value) => value !== undefined);
      if (chosen.length !== 1) throw new CliUsageError('give exactly one of --board, --relay or --mdb');
      const vendId = `vend-test-${systemClock.nowMs()}`;
      let outcome: VendOutcome;
      if (options.mdb !== undefined) {
        outcome = await mdbVendTest(await openVendingTransport(options.mdb), options, vendId, print);
        if (options.deny) return;
      } else {
        if (options.slot === undefined) throw new CliUsageError('--slot is required');
        const slot = positiveInteger(options.slot, '--slot');
        if (options.board !== undefined) outcome = await boardVendTest(await openVendingTransport(options.board), slot, vendId, print);
        else outcome = await relayVendTest(await openVendingTransport(options.relay ?? ''), slot, positiveInteger(options.pulseMs, '--pulse-ms'), vendId);
      }
      print(describeOutcome(outcome));
      if (outcome.kind !== 'dispensed') throw new Error(`slot ${outcome.slot} was not dispensed (${outcome.kind === 'unknown' ? 'unknown outcome' : outcome.reason})`);
    });
}

async function openVendingTransport(text: string): Promise<Transport> {
  return openTransport(parseUri(text), { attachSimulator });
}

async function boardVendTest(transport: Transport, slot: number, vendId: string, print: (line: string) => void): Promise<VendOutcome> {
  const store = new MemoryVendStateStore();
  const machine = new DispenseBoardMachine({ machineId: 'vend-test', transport, store, clock: systemClock, timers: cliTimers });
  try {
    const status = await machine.boardStatus();
    print(status ? `board: ${status.slotCount} slots, last sequence ${status.lastSeq}${status.justReset ? ', just reset' : ''}${status.dropSensorFault ? ', DROP SENSOR FAULT' : ''}` : 'board: no answer to BOARD-STATUS (continuing with the vend)');
    // Without an answer, start from a number derived from the time so an old one is unlikely.
    store.continueSequenceAfter('vend-test', status?.lastSeq ?? Math.floor(systemClock.nowMs() / 1000) % 0xffff);
    return await machine.vend({ vendId, slot, priceMinor: 0 });
  } finally {
    await machine.close();
  }
}

async function relayVendTest(transport: Transport, channel: number, pulseMs: number, vendId: string): Promise<VendOutcome> {
  const machine = new RelayVendingMachine({
    machineId: 'vend-test',
    relays: lcusRelaySwitch(transport),
    slots: new Map([[channel, { channel, pulseMs }]]),
    store: new MemoryVendStateStore(),
    clock: systemClock,
    timers: cliTimers,
  });
  try {
    return await machine.vend({ vendId, slot: channel, priceMinor: 0 });
  } finally {
    await machine.close();
  }
}

async function mdbVendTest(transport: Transport, options: VendTestOptions, vendId: string, print: (line: string) => void): Promise<VendOutcome> {
  const waitMs = positiveInteger(options.waitMs, '--wait-ms');
  const item = options.slot === undefined ? undefined : positiveInteger(options.slot, '--slot');
  const machine = new MdbCashlessMachine({ adapterId: 'vend-test', transport, store: new MemoryVendStateStore(), clock: systemClock, timers: cliTimers, newId: () => vendId, log: (line) => print(`  ${line}`) });
  try {
    let cancelWait: () => void = () => undefined;
    const requested = new Promise<MdbVendRequested | undefined>((resolve) => {
      machine.onVendRequested(resolve);
      cancelWait = cliTimers.setTimer(() => resolve(undefined), waitMs);
    });
    await machine.start();
    print(`reader enabled (C,1 sent); waiting up to ${waitMs} ms for the machine to ask for a vend`);
    const request = await requested;
    cancelWait();
    if (!request) throw new Error(`the vending machine asked for no vend within ${waitMs} ms (reader state: ${machine.readerState()})`);
    print(`VMC asks ${formatMajorPrice(request.priceMinor)} for item ${request.item}`);
    if (options.deny || (item !== undefined && request.item !== item)) {
      await machine.deny(request.vendId, options.deny ? 'denied by the technician' : `item ${request.item} is not the tested item ${item ?? ''}`);
      print(`denied: C,VEND,-1 sent for item ${request.item}`);
      if (!options.deny) throw new Error(`the machine asked for item ${request.item}, not ${item ?? ''}: denied`);
      return { kind: 'not-dispensed', vendId, slot: request.item, reason: 'refused', detail: 'denied by the technician', inspect: false };
    }
    return await machine.approve(request.vendId);
  } finally {
    await machine.close();
  }
}

export function registerSimulateVendingCommands(program: Command, { print }: CliContext): void {
  const simulate = simulateCommand(program);
  simulate
    .command('board')
    .description('run a simulated dispense board on a pseudo-terminal: prints the host path, logs every frame')
    .option('--link <path>', 'path of the host end the driver opens (default: a new temporary path)')
    .addOption(new Option('--fault <fault>', 'start with a fault').choices(boardFaults.filter((fault) => fault !== 'none')))
    .option('--slots <n>', 'number of slots', '60')
    .option('--motor-ms <ms>', 'motor time per vend', '1500')
    .action(async (options: { link?: string; fault?: BoardFault; slots: string; motorMs: string }) => {
      await runOnPty('board', options.link, print, (device) => {
        const board = new DispenseBoardSimulator({ transport: device, timers: cliTimers, fault: options.fault ?? 'none', slotCount: positiveInteger(options.slots, '--slots'), motorMs: positiveInteger(options.motorMs, '--motor-ms'), log: print });
        return { start: () => board.start(), summary: () => `${board.totalDrops} product(s) dropped`, hint: (host) => `terminal vend-test --board serial:${host} --slot 1`, fault: options.fault ?? 'none' };
      });
    });
  simulate
    .command('relay')
    .description('run a simulated LCUS relay module on a pseudo-terminal: logs each switch and pulse length')
    .option('--link <path>', 'path of the host end the driver opens (default: a new temporary path)')
    .addOption(new Option('--fault <fault>', 'start with a fault').choices(relayFaults.filter((fault) => fault !== 'none')))
    .action(async (options: { link?: string; fault?: RelayFault }) => {
      await runOnPty('relay', options.link, print, (device) => {
        const relays = new RelayBoardSimulator({ transport: device, clock: systemClock, fault: options.fault ?? 'none', log: print });
        return { start: () => relays.start(), summary: () => `${relays.pulses.length} pulse(s)`, hint: (host) => `terminal vend-test --relay serial:${host} --slot 1 --pulse-ms 500`, fault: options.fault ?? 'none' };
      });
    });
  simulate
    .command('mdb')
    .description('run a simulated MDB vending machine controller behind a Qibixx cashless adapter on a pseudo-terminal')
    .option('--link <path>', 'path of the host end the driver opens (default: a new temporary path)')
    .addOption(new Option('--fault <fault>', 'start with a fault').choices(vmcFaults.filter((fault) => fault !== 'none')))
    .option('--vend <item@price>', 'once the reader is enabled, a customer keeps selecting ITEM at PRICE (e.g. 7@3.50)')
    .action(async (options: { link?: string; fault?: VmcFault; vend?: string }) => {
      const selection = options.vend === undefined ? undefined : parseSelection(options.vend);
      await runOnPty('mdb', options.link, print, (device) => {
        const vmc = new MdbVmcSimulator({ transport: device, timers: cliTimers, fault: options.fault ?? 'none', log: print });
        let cancelPick: () => void = () => undefined;
        if (selection) {
          const pick = () => {
            if (vmc.readerState === 'enabled' && !vmc.currentSession) vmc.selectProduct(selection.item, selection.priceMinor);
            cancelPick = cliTimers.setTimer(pick, 3000);
          };
          cancelPick = cliTimers.setTimer(pick, 500);
        }
        return {
          start: () => vmc.start(),
          stop: () => cancelPick(),
          summary: () => `${vmc.sessions.length} session(s): ${vmc.sessions.map((session) => session.result).join(', ') || 'none'}`,
          hint: (host) => `terminal vend-test --mdb serial:${host}?baud=115200`,
          fault: options.fault ?? 'none',
        };
      });
    });
}

function parseSelection(text: string): { item: number; priceMinor: number } {
  const [itemText = '', priceText = ''] = text.split('@');
  const priceMinor = parseMajorPrice(priceText);
  if (!/^\d{1,5}$/.test(itemText) || priceMinor === undefined) throw new CliUsageError(`--vend expects ITEM@PRICE like 7@3.50, got "${text}"`);
  return { item: Number(itemText), priceMinor };
}

interface RunningSimulator {
  start(): Promise<void>;
  /** Cancels the simulator's own timers so the process can exit. */
  stop?(): void;
  summary(): string;
  hint(hostPath: string): string;
  fault: string;
}

/** Creates the PTY pair, runs the simulator on its device end until SIGINT/SIGTERM. */
async function runOnPty(kind: string, link: string | undefined, print: (line: string) => void, make: (device: Transport) => RunningSimulator): Promise<void> {
  const pair = await createPtyPair(link === undefined ? {} : { hostPath: link });
  const device = new SerialTransport({ path: pair.devicePath, baudRate: kind === 'mdb' ? 115200 : 9600 });
  const simulator = make(device);
  await simulator.start();
  print(`${kind} simulator ready: host path ${pair.hostPath} (${resolvePtyPath(pair.hostPath)}), fault ${simulator.fault}`);
  print(`try: ${simulator.hint(pair.hostPath)}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  simulator.stop?.();
  await device.close();
  await pair.close();
  print(`${kind} simulator stopped: ${simulator.summary()}`);
}
