/**
 * Electron production shell. Runs the same core as browser mode in the main process and carries
 * the contract over IPC. Security: sandboxed, context-isolated renderer without Node; a strict CSP
 * on every response of the `app://` protocol; navigation, new windows, webviews and permission
 * requests refused; IPC accepted only from our own top frame.
 *
 * Started by `terminal start --shell electron`, which passes its options in TERMINAL_START_OPTIONS.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot, rendererBuildDir } from '../app/project-files.js';
import { startTerminalCore, type RunningTerminal } from '../app/start-terminal.js';
import { ipcChannels } from '../contract/contract.js';
import { dispatchCommand } from '../core/command-dispatcher.js';
import { contentSecurityPolicy } from '../host/browser-host.js';
import { systemTimers } from '../../kernel/system-timers.js';
import { quitAfterTerminalStops } from './quit-after-stop.js';
import type { TerminalMode } from '../domain/roles.js';

const appOrigin = 'app://terminal';

interface StartOptionsFromCli {
  dataDir?: string;
  configFile?: string;
  mode?: TerminalMode;
}

function readStartOptions(): StartOptionsFromCli {
  try {
    return JSON.parse(process.env.TERMINAL_START_OPTIONS ?? '{}') as StartOptionsFromCli;
  } catch {
    return {};
  }
}

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function setUpAppProtocol(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(rendererBuildDir, relative);
    if (url.host !== 'terminal' || !file.startsWith(rendererBuildDir + sep)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', contentSecurityPolicy(appOrigin).replace(/ ws:\/\/\S+/, ''));
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function setUpPermissionPolicy(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (!target.startsWith(`${appOrigin}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow): boolean {
  const frame = event.senderFrame;
  return event.sender === window.webContents && frame !== null && frame === event.sender.mainFrame && frame.url.startsWith(`${appOrigin}/`);
}

function setUpIpc(terminal: RunningTerminal, window: BrowserWindow): void {
  ipcMain.handle(ipcChannels.call, async (event, name: unknown, input: unknown) => {
    if (!isTrustedSender(event, window)) {
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
  const kiosk = mode === 'kiosk';
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    kiosk,
    fullscreen: kiosk,
    autoHideMenuBar: true,
    show: false,
    webPreferences: {
      preload: join(projectRoot, 'dist', 'preload', 'main', 'electron', 'preload.js'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${appOrigin}/index.html`);
  return window;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const options = readStartOptions();
  const terminal = await startTerminalCore({
    dataDir: options.dataDir ?? app.getPath('userData'),
    configFile: options.configFile,
    mode: options.mode,
  });
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
  process.stderr.write(`error: ${(error as Error).message}\n`);
  app.exit(1);
});
