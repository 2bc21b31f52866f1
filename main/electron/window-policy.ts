/**
 * What the terminal's window lets a person at the screen do. Without developer mode there is no
 * application menu, no DevTools and no reload: a kiosk keyboard (or a cashier's) must not reach
 * the page's `window.terminal` API through DevTools, nor reset a customer's screen by reloading.
 *
 * Developer mode is asked for on the command line (`--dev-tools`) or in the environment
 * (`TERMINAL_DEV_TOOLS=1`); it brings back Electron's default menu, DevTools and reload.
 *
 * Plain functions, no Electron at run time: electron-main applies them, tests read them.
 */
import type { BrowserWindowConstructorOptions, Input } from 'electron';
import type { TerminalMode } from '../domain/roles.js';

export const developerModeFlag = '--dev-tools';
export const developerModeEnvironmentVariable = 'TERMINAL_DEV_TOOLS';

/** True when ARGV holds `--dev-tools` or ENV sets `TERMINAL_DEV_TOOLS=1`; anything else is production. */
export function developerModeRequested(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return argv.includes(developerModeFlag) || env[developerModeEnvironmentVariable] === '1';
}

/**
 * Chromium and Node switches that open a debugger on the running shell (the Chrome DevTools
 * protocol on a port or pipe, the Node inspector). Packaged builds also have the Node inspector
 * switched off by a fuse; the Chromium ones have no fuse, so the shell refuses to start with them.
 */
export const debuggerSwitches = ['remote-debugging-port', 'remote-debugging-pipe', 'inspect', 'inspect-brk', 'inspect-port'] as const;

/** The debugger switches present (as told by HASSWITCH) that production refuses; none in developer mode. */
export function refusedDebuggerSwitches(hasSwitch: (name: string) => boolean, developerMode: boolean): string[] {
  if (developerMode) return [];
  return debuggerSwitches.filter((name) => hasSwitch(name));
}

export interface TerminalWindowSettings {
  readonly mode: TerminalMode;
  readonly developerMode: boolean;
  /** Absolute path of the compiled preload script. */
  readonly preloadScript: string;
}

/**
 * The BrowserWindow options: kiosk and full screen in kiosk mode; a sandboxed, context-isolated
 * renderer without Node (also in workers and subframes), web security on, no insecure content,
 * no webview tag, no navigation by dropping a file; DevTools only in developer mode.
 */
export function terminalWindowOptions(settings: TerminalWindowSettings): BrowserWindowConstructorOptions {
  const kiosk = settings.mode === 'kiosk';
  return {
    width: 1280,
    height: 800,
    kiosk,
    fullscreen: kiosk,
    autoHideMenuBar: true,
    show: false,
    webPreferences: {
      preload: settings.preloadScript,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: settings.developerMode,
      spellcheck: false,
    },
  };
}

/** The parts of a key event `shouldBlockInput` looks at; Electron's `Input` has them all. */
export type KeyInput = Pick<Input, 'key' | 'code' | 'control' | 'meta' | 'shift' | 'alt'>;

/** The letter of a key press, by physical key where Electron reports it (so keyboard layouts do not matter). */
function keyLetter(input: KeyInput): string {
  if (input.code.startsWith('Key')) return input.code.slice(3).toLowerCase();
  return input.key.toLowerCase();
}

/** Ctrl+Shift+I/J/C (Cmd+Alt+I/J/C on macOS) and F12: the DevTools, console and element picker. */
function opensDevTools(input: KeyInput): boolean {
  if (input.key === 'F12' || input.code === 'F12') return true;
  const letter = keyLetter(input);
  if (!['i', 'j', 'c'].includes(letter)) return false;
  return (input.control && input.shift) || (input.meta && input.alt);
}

/** F5 and Ctrl/Cmd+R (with or without Shift, or Ctrl+F5): reload the page. */
function reloadsPage(input: KeyInput): boolean {
  if (input.key === 'F5' || input.code === 'F5') return true;
  return keyLetter(input) === 'r' && (input.control || input.meta) && !input.alt;
}

/**
 * True when the shell must swallow this key event (a `before-input-event` handler then calls
 * `preventDefault`): the DevTools and reload shortcuts, unless in developer mode. Other keys,
 * typing and barcode scanners included, pass.
 */
export function shouldBlockInput(input: KeyInput, developerMode: boolean): boolean {
  if (developerMode) return false;
  return opensDevTools(input) || reloadsPage(input);
}
