import { describe, expect, it } from 'vitest';
import { developerModeRequested, refusedDebuggerSwitches, shouldBlockInput, terminalWindowOptions, type KeyInput } from '../../../main/electron/window-policy.js';
import { terminalModes } from '../../../main/domain/roles.js';

function key(key: string, code: string, modifiers: Partial<Pick<KeyInput, 'control' | 'meta' | 'shift' | 'alt'>> = {}): KeyInput {
  return { key, code, control: false, meta: false, shift: false, alt: false, ...modifiers };
}

const devToolsShortcuts: [string, KeyInput][] = [
  ['Ctrl+Shift+I', key('I', 'KeyI', { control: true, shift: true })],
  ['Ctrl+Shift+J', key('J', 'KeyJ', { control: true, shift: true })],
  ['Ctrl+Shift+C', key('C', 'KeyC', { control: true, shift: true })],
  ['Cmd+Alt+I (macOS reports the key as ˆ)', key('ˆ', 'KeyI', { meta: true, alt: true })],
  ['F12', key('F12', 'F12')],
];
const reloadShortcuts: [string, KeyInput][] = [
  ['Ctrl+R', key('r', 'KeyR', { control: true })],
  ['Ctrl+Shift+R', key('R', 'KeyR', { control: true, shift: true })],
  ['Cmd+R', key('r', 'KeyR', { meta: true })],
  ['F5', key('F5', 'F5')],
  ['Ctrl+F5', key('F5', 'F5', { control: true })],
];
const ordinaryKeys: [string, KeyInput][] = [
  ['a digit of a PIN', key('1', 'Digit1')],
  ['Enter', key('Enter', 'Enter')],
  ['a scanner typing an upper-case R', key('R', 'KeyR', { shift: true })],
  ['a scanner typing an upper-case I', key('I', 'KeyI', { shift: true })],
  ['Ctrl+C (copy)', key('c', 'KeyC', { control: true })],
  ['Ctrl+V (paste)', key('v', 'KeyV', { control: true })],
  ['Escape', key('Escape', 'Escape')],
];

describe('keyboard shortcuts in the terminal window', () => {
  it.each([...devToolsShortcuts, ...reloadShortcuts])('swallows %s in production', (_name, input) => {
    expect(shouldBlockInput(input, false)).toBe(true);
  });

  it.each([...devToolsShortcuts, ...reloadShortcuts])('lets %s through in developer mode', (_name, input) => {
    expect(shouldBlockInput(input, true)).toBe(false);
  });

  it.each(ordinaryKeys)('lets %s through', (_name, input) => {
    expect(shouldBlockInput(input, false)).toBe(false);
  });
});

describe('the terminal window options', () => {
  const preloadScript = '/app/dist/preload/main/electron/preload.js';

  it.each(terminalModes)('keeps the renderer sandboxed, isolated and without Node in %s mode', (mode) => {
    const preferences = terminalWindowOptions({ mode, developerMode: false, preloadScript }).webPreferences;
    expect(preferences).toMatchObject({
      preload: preloadScript,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('turns DevTools on only in developer mode, without loosening anything else', () => {
    const production = terminalWindowOptions({ mode: 'kiosk', developerMode: false, preloadScript });
    const developer = terminalWindowOptions({ mode: 'kiosk', developerMode: true, preloadScript });
    expect(developer.webPreferences?.devTools).toBe(true);
    expect({ ...developer, webPreferences: { ...developer.webPreferences, devTools: false } }).toEqual(production);
  });

  it('fills the screen in kiosk mode only', () => {
    expect(terminalWindowOptions({ mode: 'kiosk', developerMode: false, preloadScript })).toMatchObject({ kiosk: true, fullscreen: true });
    expect(terminalWindowOptions({ mode: 'counter', developerMode: false, preloadScript })).toMatchObject({ kiosk: false, fullscreen: false });
  });
});

describe('developer mode', () => {
  it('is off unless asked for by flag or environment', () => {
    expect(developerModeRequested(['electron', 'main.js'], {})).toBe(false);
    expect(developerModeRequested(['electron', 'main.js', '--dev-tools'], {})).toBe(true);
    expect(developerModeRequested(['electron', 'main.js'], { TERMINAL_DEV_TOOLS: '1' })).toBe(true);
    expect(developerModeRequested(['electron', 'main.js'], { TERMINAL_DEV_TOOLS: '0' })).toBe(false);
    expect(developerModeRequested(['electron', 'main.js', '--dev-tools=no'], {})).toBe(false);
  });

  it('is the only way to start with a debugger switch', () => {
    const present = new Set(['remote-debugging-port', 'inspect', 'enable-logging']);
    expect(refusedDebuggerSwitches((name) => present.has(name), false)).toEqual(['remote-debugging-port', 'inspect']);
    expect(refusedDebuggerSwitches((name) => present.has(name), true)).toEqual([]);
    expect(refusedDebuggerSwitches(() => false, false)).toEqual([]);
  });
});
