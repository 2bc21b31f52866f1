/**
 * Electron production shell. Runs the same core as browser mode in the main process and carries
 * the contract over IPC. Security (each rule is a plain function in content-policy.ts and
 * window-policy.ts, covered by tests): sandboxed, context-isolated renderer without Node; a strict
 * CSP on every response of the `app://` protocol; navigation, new windows, webviews and permission
 * requests refused; IPC accepted only from our own top frame; no application menu, no DevTools,
 * no reload shortcuts and no remote debugging unless started in developer mode (`--dev-tools` or
 * `TERMINAL_DEV_TOOLS=1`). The terminal secret is sealed by the OS keystore (`safeStorage`) where
 * there is one. Packaged builds also have Electron's fuses set (electron-builder.yml).
 *
 * Started by `terminal start --shell electron`, which passes its options in TERMINAL_START_OPTIONS.
 */
import { app, BrowserWindow, ipcMain, Menu, net, protocol, safeStorage, session, type WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot, rendererBuildDir } from '../app/project-files.js';
import { startTerminalCore, type RunningTerminal } from '../app/start-terminal.js';
import { ipcChannels } from '../contract/contract.js';
import { dispatchCommand } from '../core/command-dispatcher.js';
import { systemTimers } from '../../kernel/system-timers.js';
import { appEntryUrl, appProtocolFile, appResponseHeaders, appScheme, isTrustedIpcSender, refuseNavigationAway, refusePermissionCheck, refusePermissionRequest, refuseWebview, refuseWindowOpen } from './content-policy.js';
import { prepareSecretProtection, type ProtectionNote } from './os-keystore-secret-protector.js';
import { quitAfterTerminalStops } from './quit-after-stop.js';
import { developerModeRequested, refusedDebuggerSwitches, shouldBlockInput, terminalWindowOptions } from './window-policy.js';
import type { TerminalMode } from '../domain/roles.js';

/** Why the shell refused to start; `code` is printed with the message. */
class ShellStartError extends Error {
  override readonly name = 'ShellStartError';
  constructor(
    readonly code: 'bad-start-options' | 'debugger-switch-refused',
    message: string,
  ) {
    super(message);
  }
}

interface StartOptionsFromCli {
  dataDir?: string;
  configFile?: string;
  mode?: TerminalMode;
}

function readStartOptions(): StartOptionsFromCli {
  const text = process.env.TERMINAL_START_OPTIONS ?? '{}';
  try {
    return JSON.parse(text) as StartOptionsFromCli;
  } catch (error) {
    throw new ShellStartError('bad-start-options', `TERMINAL_START_OPTIONS is not JSON (${(error as Error).message})`);
  }
}

const developerMode = developerModeRequested(process.argv, process.env);

protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function setUpAppProtocol(): void {
  protocol.handle(appScheme, async (request) => {
    const file = appProtocolFile(request.url, rendererBuildDir);
    if (!file) return new Response('not found', { status: 404, headers: appResponseHeaders() });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(appResponseHeaders())) headers.set(name, value);
    return new Response(response.body, { status: response.status, headers });
  });
}

function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, target) => refuseNavigationAway(event, target));
  contents.on('will-redirect', (event, target) => refuseNavigationAway(event, target));
  contents.on('will-attach-webview', (event) => refuseWebview(event));
  contents.setWindowOpenHandler(refuseWindowOpen);
  contents.on('before-input-event', (event, input) => {
    if (shouldBlockInput(input, developerMode)) event.preventDefault();
  });
}

function setUpPermissionPolicy(): void {
  session.defaultSession.setPermissionRequestHandler(refusePermissionRequest);
  session.defaultSession.setPermissionCheckHandler(refusePermissionCheck);
  session.defaultSession.setDevicePermissionHandler(refusePermissionCheck);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
}

function setUpIpc(terminal: RunningTerminal, window: BrowserWindow): void {
  ipcMain.handle(ipcChannels.call, async (event, name: unknown, input: unknown) => {
    if (!isTrustedIpcSender(event, window.webContents)) {
      terminal.logger.warn({ url: event.senderFrame?.url }, 'refused IPC from an untrusted frame');
      return { ok: false, error: { code: 'forbidden', message: 'untrusted sender', retryable: false } };
    }
    return dispatchCommand(terminal.core.handlers, name, input, { transport: 'electron-ipc' }, terminal.logger);
  });
  const unsubscribe = terminal.core.subscribe((coreEvent) => {
    if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, coreEvent);
  });
  window.on('closed', unsubscribe);
}

function createWindow(mode: TerminalMode): BrowserWindow {
  const preloadScript = join(projectRoot, 'dist', 'preload', 'main', 'electron', 'preload.js');
  const window = new BrowserWindow(terminalWindowOptions({ mode, developerMode, preloadScript }));
  window.once('ready-to-show', () => window.show());
  void window.loadURL(appEntryUrl);
  return window;
}

function logProtectionNotes(terminal: RunningTerminal, notes: readonly ProtectionNote[]): void {
  for (const note of notes) terminal.logger[note.level]({ code: note.code, err: note.error }, note.message);
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const refusedSwitches = refusedDebuggerSwitches((name) => app.commandLine.hasSwitch(name), developerMode);
  if (refusedSwitches.length > 0) {
    throw new ShellStartError('debugger-switch-refused', `refusing to start with ${refusedSwitches.map((name) => `--${name}`).join(', ')}: it opens a debugger on the terminal (allowed only with --dev-tools)`);
  }
  if (!developerMode) Menu.setApplicationMenu(null);
  await app.whenReady();
  const options = readStartOptions();
  const dataDir = options.dataDir ?? app.getPath('userData');
  const secretProtection = prepareSecretProtection(dataDir, safeStorage, process.platform);
  const terminal = await startTerminalCore({
    dataDir,
    configFile: options.configFile,
    mode: options.mode,
    secretProtector: secretProtection.protector,
  });
  logProtectionNotes(terminal, secretProtection.notes);
  if (developerMode) terminal.logger.warn({ code: 'developer-mode' }, 'developer mode: the menu, DevTools, reload and remote debugging are available');
  // An unattended kiosk starts with the session on Windows and macOS; Linux packages install an
  // autostart entry instead (see README).
  if (terminal.mode === 'kiosk' && process.platform !== 'linux') app.setLoginItemSettings({ openAtLogin: true });
  setUpAppProtocol();
  setUpPermissionPolicy();
  const window = createWindow(terminal.mode);
  setUpIpc(terminal, window);
  // Every way out (last window closed, Cmd+Q, SIGINT/SIGTERM) is app.quit(), which waits for terminal.stop().
  quitAfterTerminalStops(app, { stop: () => terminal.stop(), timers: systemTimers, logger: terminal.logger });
  app.on('window-all-closed', () => app.quit());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

main().catch((error: unknown) => {
  const code = error instanceof ShellStartError ? ` [${error.code}]` : '';
  process.stderr.write(`error${code}: ${(error as Error).message}\n`);
  app.exit(1);
});
