/**
 * `terminal`: the command-line entry point. Every subcommand has --help, prints results on
 * standard output, and on failure prints one line `error: <reason>` on standard error and exits
 * non-zero (1 for a failed operation, 2 for wrong usage).
 */
import { Command, CommanderError, Option } from 'commander';
import { hashPin, isWellFormedPin } from '../auth/pin-hash.js';
import { packageVersion } from '../app/project-files.js';
import { defaultDataDir } from '../config/data-dir.js';
import { loadConfigFile } from '../config/load-config.js';
import { registerBackendCommands, registerWalletCommands } from './backend-commands.js';
import { registerSaleCommands } from './sale-commands.js';
import { CliUsageError, describeFailure } from './cli-failure.js';
import { registerDeviceCommands, registerSimulateScannerCommand } from './device-commands.js';
import { registerQrCommands } from './qr-commands.js';
import { registerPrintTestCommand, registerSimulatePrinterCommand } from './printer-commands.js';
import { runStartCommand, shells } from './start-command.js';
import { registerSimulateVendingCommands, registerVendTestCommand } from './vending-commands.js';
import { terminalModes } from '../domain/roles.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/** What a command registrar gets: the program and the output functions it must use. */
export interface CliContext {
  readonly print: (line: string) => void;
}

/**
 * Each area registers its subcommands from its own file. Add a registrar here, one line each;
 * a registrar throws (CliUsageError or any error) and `runCli` turns it into the one-line reason.
 */
const commandRegistrars: readonly ((program: Command, context: CliContext) => void)[] = [
  registerStartCommand,
  registerConfigCommands,
  registerPinCommands,
  registerPrintTestCommand,
  registerSimulatePrinterCommand,
  registerQrCommands,
  registerVendTestCommand,
  registerSimulateVendingCommands,
  registerBackendCommands,
  registerWalletCommands,
  registerSaleCommands,
  registerDeviceCommands,
  registerSimulateScannerCommand,
  // (registrars of later areas: hardware, payments, backend)
];

function registerStartCommand(program: Command, { print }: CliContext): void {
  program
    .command('start')
    .description('run the terminal (Electron when its binary is installed, else a Chromium window; headless serves the UI and prints its URL)')
    .option('--config <file>', 'configuration file (.yaml, .yml or .json); default <data-dir>/config.yaml, else embedded defaults')
    .option('--data-dir <dir>', 'where the journal, logs and runtime files live', defaultDataDir())
    .addOption(new Option('--mode <mode>', 'override the configured mode').choices([...terminalModes]))
    .addOption(new Option('--shell <shell>', 'which shell carries the UI').choices([...shells]).default('auto'))
    .action(async (options: { config?: string; dataDir: string; mode?: string; shell: string }) => {
      process.exitCode = await runStartCommand(options, print);
    });
}

function registerConfigCommands(program: Command, { print }: CliContext): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('check')
    .description('validate a configuration file without starting anything; exits 1 naming every bad key')
    .argument('<file>', 'configuration file (.yaml, .yml or .json)')
    .action((file: string) => {
      const loaded = loadConfigFile(file);
      print(`ok: ${file} is valid (mode ${loaded.terminal.mode}, ${loaded.catalog.products.length} products, ${loaded.planogram.slots.length} slots, ${loaded.users.length} users)`);
    });
}

function registerPinCommands(program: Command, { print }: CliContext): void {
  const pin = program.command('pin').description('operator PINs');
  pin
    .command('hash')
    .description('read a PIN (4–8 digits) on standard input and print its scrypt hash for the users section of a config')
    .action(async () => {
      const entered = (await readStdin()).trim();
      if (!isWellFormedPin(entered)) throw new CliUsageError('a PIN is 4 to 8 digits');
      print(await hashPin(entered));
    });
}

/**
 * The `terminal simulate` parent: each area adds its simulator as a subcommand
 * (`simulateCommand(program).command('printer')…`), so `terminal simulate --help` lists them all.
 */
export function simulateCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'simulate') ??
    program.command('simulate').description('run a simulated device on a pseudo-terminal (or in-process) and log what it receives')
  );
}

export function buildProgram(context: CliContext = { print }): Command {
  const program = new Command('terminal')
    .description('Merchant terminal: restaurant counter, vending kiosk and technician tools')
    .version(packageVersion)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commandRegistrars) register(program, context);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`error: ${describeFailure(error).replace(/\s*\n\s*/g, ' ')}\n`);
    return error instanceof CliUsageError ? 2 : 1;
  }
}
