/**
 * Technician commands for finding devices and simulating a scanner:
 *   terminal devices [--json]                      attached serial ports and HID devices
 *   terminal simulate scanner [--link PATH] [--code CODE…] [--terminator cr|crlf|lf]
 * `devices` works with no devices, no udevadm and no HID access: problems become warnings.
 */
import { Option, type Command } from 'commander';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { discoverDevices, hex4, type DiscoveredDevice, type Discovery, type DiscoveryDependencies } from '../../hardware/discovery/discover-devices.js';
import { classifyCode } from '../../hardware/protocols/scanner/code-classifier.js';
import { createPtyPair, resolvePtyPath } from '../../hardware/simulators/pty-pair.js';
import { ScannerSimulator } from '../../hardware/simulators/scanner-simulator.js';
import { SerialTransport } from '../../hardware/transports/serial-transport.js';
import { simulateCommand, type CliContext } from './terminal-cli.js';

export function registerDeviceCommands(program: Command, { print }: CliContext): void {
  program
    .command('devices')
    .description('list attached serial ports, USB HID devices and USB printers (/dev/usb/lp*) with their ids, device URI and suggested role')
    .option('--json', 'print {devices, warnings} as JSON')
    .action(async (options: { json?: boolean }) => {
      await runDevicesCommand(options, print);
    });
}

/** The `devices` command body; `dependencies` replace the OS listings in tests. */
export async function runDevicesCommand(options: { json?: boolean }, print: (line: string) => void, dependencies: DiscoveryDependencies = {}): Promise<Discovery> {
  const discovery = await discoverDevices(dependencies);
  if (options.json) {
    print(JSON.stringify(discovery, null, 2));
    return discovery;
  }
  if (discovery.devices.length === 0) print('no serial ports, HID devices or USB printers found');
  else for (const line of formatDeviceTable(discovery.devices)) print(line);
  for (const warning of discovery.warnings) print(`warning: ${warning}`);
  return discovery;
}

export function formatDeviceTable(devices: readonly DiscoveredDevice[]): string[] {
  const header = ['KIND', 'URI', 'VID:PID', 'SERIAL', 'SUGGESTED ROLE', 'DEVICE'];
  const rows = devices.map((device) => [
    device.kind,
    device.uri,
    device.vendorId === undefined || device.productId === undefined ? '-' : `${hex4(device.vendorId).slice(2)}:${hex4(device.productId).slice(2)}`,
    device.serialNumber ?? '-',
    device.suggestedRole ?? '-',
    device.knownAs ?? ([device.manufacturer, device.product].filter(Boolean).join(' ') || '-'),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const notes = devices.filter((device) => device.note).map((device) => `  ${device.uri}: ${device.note}`);
  return [line(header), ...rows.map(line), ...(notes.length > 0 ? ['notes:', ...notes] : [])];
}

const terminators = { cr: '\r', crlf: '\r\n', lf: '\n' } as const;

export function registerSimulateScannerCommand(program: Command, { print }: CliContext): void {
  simulateCommand(program)
    .command('scanner')
    .description('run a simulated serial scanner on a pseudo-terminal: sends each --code, then each line of standard input, CR-terminated; runs until Ctrl-C')
    .option('--link <path>', 'path of the host end the driver opens (default: a new temporary path)')
    .option('--code <code...>', 'codes to send as soon as the pseudo-terminal is ready')
    .addOption(new Option('--terminator <name>', 'line end the scanner sends').choices(Object.keys(terminators)).default('cr'))
    .action(async (options: { link?: string; code?: string[]; terminator: keyof typeof terminators }) => {
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await runScannerSimulator({ link: options.link, codes: options.code ?? [], terminator: terminators[options.terminator], input: process.stdin, stop }, print);
    });
}

export interface ScannerSimulatorRun {
  readonly link?: string | undefined;
  readonly codes: readonly string[];
  readonly terminator?: '\r' | '\r\n' | '\n';
  /** Lines to send after `codes` (standard input for the CLI); not read when undefined. */
  readonly input?: Readable | undefined;
  /** Resolves when the simulator should stop (a signal for the CLI). */
  readonly stop: Promise<void>;
  /** Awaited once the pair is ready, before anything is sent, with the host path a driver opens. */
  readonly onReady?: (hostPath: string) => void | Promise<void>;
}

/** Creates the PTY pair, sends the codes and input lines, and runs until `stop` resolves. */
export async function runScannerSimulator(run: ScannerSimulatorRun, print: (line: string) => void): Promise<void> {
  const pair = await createPtyPair(run.link === undefined ? {} : { hostPath: run.link });
  const device = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
  const simulator = new ScannerSimulator(device, { terminator: run.terminator ?? '\r' });
  try {
    await simulator.start();
    print(`scanner simulator ready: host path ${pair.hostPath} (${resolvePtyPath(pair.hostPath)}); open it as serial:${pair.hostPath}`);
    await run.onReady?.(pair.hostPath);
    const send = async (code: string) => {
      await simulator.scan(code);
      const classified = classifyCode(code);
      print(`sent: ${code} (${classified.kind === 'rejected' ? `would be rejected: ${classified.reason}` : classified.kind})`);
    };
    for (const code of run.codes) await send(code);
    if (run.input) {
      const lines = createInterface({ input: run.input, crlfDelay: Infinity });
      const reading = (async () => {
        for await (const line of lines) {
          const code = line.trim();
          if (code.length > 0) await send(code);
        }
      })();
      await Promise.race([reading, run.stop]);
      lines.close();
    }
    await run.stop;
  } finally {
    await device.close();
    await pair.close();
  }
  print('scanner simulator stopped');
}
