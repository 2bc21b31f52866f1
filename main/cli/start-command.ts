/** `terminal start`: runs the terminal in the Electron shell, a Chromium window, or headless. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../app/project-files.js';
import { runBrowserShell } from '../app/run-browser-shell.js';
import { resolveConfiguration, startTerminalCore } from '../app/start-terminal.js';
import { terminalModes, type TerminalMode } from '../domain/roles.js';
import { CliUsageError } from './cli-failure.js';

export const shells = ['auto', 'electron', 'browser', 'headless'] as const;
export type Shell = (typeof shells)[number];

export interface StartCommandOptions {
  readonly config?: string | undefined;
  readonly dataDir: string;
  readonly mode?: string | undefined;
  readonly shell: string;
}

const electronMainScript = join(projectRoot, 'dist', 'node', 'main', 'electron', 'electron-main.js');

/**
 * The Electron binary's path when it has been downloaded, else undefined. Reads the package's
 * `path.txt` directly: requiring `electron` would try to download a missing binary.
 */
export function findElectronBinary(): string | undefined {
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    // No electron package at all (a production install without devDependencies).
    return undefined;
  }
}

function parseMode(mode: string | undefined): TerminalMode | undefined {
  if (mode === undefined) return undefined;
  if (!(terminalModes as readonly string[]).includes(mode)) throw new CliUsageError(`--mode must be one of ${terminalModes.join(', ')}, got "${mode}"`);
  return mode as TerminalMode;
}

function parseShell(shell: string): Shell {
  if (!(shells as readonly string[]).includes(shell)) throw new CliUsageError(`--shell must be one of ${shells.join(', ')}, got "${shell}"`);
  return shell as Shell;
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => resolve(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export async function runStartCommand(options: StartCommandOptions, print: (line: string) => void): Promise<number> {
  const mode = parseMode(options.mode);
  let shell = parseShell(options.shell);
  const electronBinary = findElectronBinary();
  if (shell === 'auto') shell = electronBinary && existsSync(electronMainScript) ? 'electron' : 'browser';

  if (shell === 'electron') {
    if (!electronBinary) {
      throw new CliUsageError('the Electron binary is not installed; fetch it with `node node_modules/electron/install.js`, or use --shell browser');
    }
    if (!existsSync(electronMainScript)) throw new CliUsageError('the Electron main process is not built; run `npm run build` first');
    // Validate before handing over, so a bad config fails here with its one-line reason.
    resolveConfiguration({ dataDir: options.dataDir, configFile: options.config });
    const child = spawn(electronBinary, [electronMainScript], {
      stdio: 'inherit',
      env: { ...process.env, TERMINAL_START_OPTIONS: JSON.stringify({ dataDir: options.dataDir, configFile: options.config, mode }) },
    });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }

  const terminal = await startTerminalCore({ dataDir: options.dataDir, configFile: options.config, mode });
  process.on('unhandledRejection', (reason) => terminal.logger.error({ err: reason }, 'unhandled rejection (kept running)'));
  process.on('uncaughtException', (error) => terminal.logger.fatal({ err: error }, 'uncaught exception (kept running)'));
  try {
    const browser = await runBrowserShell(terminal, { openWindow: shell === 'browser', print });
    print(`mode: ${terminal.mode}; data: ${options.dataDir}; stop with Ctrl+C`);
    const signal = await waitForStopSignal();
    terminal.logger.info({ signal }, 'terminal stopping');
    await browser.stop();
  } finally {
    await terminal.stop();
  }
  return 0;
}
