/**
 * Technician commands for receipt printers:
 *   terminal print-test --printer URI [--profile NAME]
 *   terminal simulate printer [--link PATH] [--out DIR] [--fault paper-out|cover-open|silent]
 * Composition code: picks the concrete transport, timer and simulator for the hardware/ parts.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { resolve } from 'node:path';
import { systemDeviceTimer } from '../../hardware/devices/device-timer.js';
import { PrinterError, printerErrorAdvice } from '../../hardware/devices/printer-error.js';
import { ReceiptPrinter } from '../../hardware/devices/receipt-printer.js';
import { defaultPrinterProfileName, findPrinterProfile, printerProfileNames, type PrinterProfile } from '../../hardware/printers/printer-profiles.js';
import { layoutReceipt } from '../../hardware/printers/receipt-layout.js';
import { testReceiptSale } from '../../hardware/printers/test-receipt-sale.js';
import { printedColumns } from '../../hardware/protocols/escpos/printer-text-encoding.js';
import { attachSimulatedPrinter } from '../../hardware/simulators/attach-simulated-printer.js';
import { printedReceiptText } from '../../hardware/simulators/printed-receipt.js';
import { PrinterSimulator, printerFaults, type PrinterFault } from '../../hardware/simulators/printer-simulator.js';
import { createPtyPair, resolvePtyPath } from '../../hardware/simulators/pty-pair.js';
import { writeReceiptFiles } from '../../hardware/simulators/write-receipt-files.js';
import { DeviceUriError, parseDeviceUri } from '../../hardware/transports/device-uri.js';
import { createTransport } from '../../hardware/transports/open-transport.js';
import { SerialTransport } from '../../hardware/transports/serial-transport.js';
import { CliUsageError } from './cli-failure.js';
import { simulateCommand, type CliContext } from './terminal-cli.js';

function profileOption(name: string): PrinterProfile {
  if (!(printerProfileNames as readonly string[]).includes(name)) {
    throw new CliUsageError(`unknown printer profile "${name}"; known profiles: ${printerProfileNames.join(', ')}`);
  }
  return findPrinterProfile(name);
}

/** `2026-11-25 20:15` in local time. */
function localTimeText(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

export function registerPrintTestCommand(program: Command, { print }: CliContext): void {
  program
    .command('print-test')
    .description('print a test receipt (Chinese text, ￥, a QR code and a cut) with proof of print; exits 1 naming the reason when the printer is out of paper, has its cover open or does not answer')
    .requiredOption('--printer <uri>', 'printer device URI, e.g. serial:/dev/ttyUSB0?baud=115200, socket://10.0.0.5:9100 or sim:printer')
    .addOption(new Option('--profile <name>', 'printer profile').choices(printerProfileNames).default(defaultPrinterProfileName))
    .option('--timeout-ms <ms>', 'how long the printer may take to answer after the job', '15000')
    .action(async (options: { printer: string; profile: string; timeoutMs: string }) => {
      const profile = profileOption(options.profile);
      const proofTimeoutMs = Number(options.timeoutMs);
      if (!Number.isSafeInteger(proofTimeoutMs) || proofTimeoutMs < 100) throw new CliUsageError('--timeout-ms must be a whole number of milliseconds, at least 100');
      let uri;
      try {
        uri = parseDeviceUri(options.printer);
      } catch (error) {
        if (error instanceof DeviceUriError) throw new CliUsageError(error.message);
        throw error;
      }
      const transport = createTransport(uri, { attachSimulator: (simUri, link) => void attachSimulatedPrinter(simUri, link) });
      const printer = new ReceiptPrinter({ transport, profile, timer: systemDeviceTimer, statusTimeoutMs: 2000, proofTimeoutMs });
      try {
        const bytes = layoutReceipt(testReceiptSale(localTimeText(new Date())), { profile, locale: 'zh-CN' });
        const proof = await printer.print(bytes);
        const warnings = proof.conditions.length > 0 ? proof.conditions.join(', ') : 'none';
        const proofText = proof.proven ? 'proof of print received' : 'written (this profile gives no proof of print)';
        print(`ok: test receipt printed on ${transport.description} (${bytes.length} bytes, profile ${profile.name}, ${proofText}); printer status: ready; warnings: ${warnings}`);
      } catch (error) {
        if (error instanceof PrinterError) throw new Error(`print-test failed: ${error.code}: ${printerErrorAdvice[error.code]} (${error.message})`);
        throw error;
      } finally {
        await printer.close();
      }
    });
}

export function registerSimulatePrinterCommand(program: Command, { print }: CliContext): void {
  simulateCommand(program)
    .command('printer')
    .description('run a simulated ESC/POS printer on a pseudo-terminal: prints the host path, logs what it receives, writes each receipt as .txt and .png')
    .option('--link <path>', 'path of the host end the driver opens (default: a new temporary path)')
    .option('--out <dir>', 'folder for the receipt files', 'printer-receipts')
    .addOption(new Option('--fault <fault>', 'start with a fault (paper-near-end still prints)').choices(printerFaults.filter((fault) => fault !== 'none')))
    .addOption(new Option('--profile <name>', 'printer profile (paper width, encoding)').choices(printerProfileNames).default(defaultPrinterProfileName))
    .action(async (options: { link?: string; out: string; fault?: PrinterFault; profile: string }) => {
      const profile = profileOption(options.profile);
      const outDir = resolve(options.out);
      const pair = await createPtyPair(options.link === undefined ? {} : { hostPath: resolve(options.link) });
      const device = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
      const simulator = new PrinterSimulator({
        profile,
        fault: options.fault ?? 'none',
        onCommand: (command) => {
          if (command.kind === 'real-time-status') print(`status query: DLE EOT ${command.query}`);
          else if (command.kind === 'paper-sensor-status') print('status query: GS r 1 (end of job)');
          else if (command.kind === 'unknown' || command.kind === 'malformed') print(`${command.kind} bytes: ${Buffer.from(command.bytes).toString('hex')}`);
        },
        onReceipt: (receipt) => {
          try {
            const files = writeReceiptFiles(receipt, outDir, profile);
            print(`receipt ${receipt.number}: ${files.textPath} ${files.pngPath}`);
          } catch (error) {
            print(`receipt ${receipt.number}: cannot write files: ${error instanceof Error ? error.message : String(error)}`);
          }
          for (const line of printedReceiptText(receipt, profile.columns, printedColumns).trimEnd().split('\n')) print(`  | ${line}`);
        },
        onProblem: (message) => print(`problem: ${message}`),
      });
      device.on('data', (chunk) => print(`received ${chunk.length} bytes`));
      await simulator.attach(device);
      print(`printer simulator ready: host path ${pair.hostPath} (${resolvePtyPath(pair.hostPath)}), profile ${profile.name}, fault ${simulator.fault}, receipts in ${outDir}`);
      print(`try: terminal print-test --printer serial:${pair.hostPath}`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await device.close();
      await pair.close();
      print(`printer simulator stopped after ${simulator.printedCount} receipt(s)`);
    });
}
