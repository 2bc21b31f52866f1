/**
 * Browser mode and headless mode: the core plus the loopback host, with or without a Chromium window.
 *
 * The API token never goes on a command line: the Chromium window is opened on
 * `<origin>/#launch=<one-time code>`, which the page exchanges once for the token
 * (main/host/launch-code.ts; only this user's processes may). The `url:` line printed on our own
 * stdout carries the token itself only when no window was opened, for a person to open the page.
 */
import { systemClock } from '../../kernel/clock.js';
import { startBrowserHost } from '../host/browser-host.js';
import { findChromium, hasDisplay, openChromiumWindow } from '../host/chromium-launcher.js';
import { LaunchCodeStore } from '../host/launch-code.js';
import { rendererBuildDir } from './project-files.js';
import type { RunningTerminal } from './start-terminal.js';

export interface BrowserShellOptions {
  readonly openWindow: boolean;
  readonly print: (line: string) => void;
}

export async function runBrowserShell(terminal: RunningTerminal, options: BrowserShellOptions): Promise<{ stop: () => Promise<void> }> {
  const launchCodes = new LaunchCodeStore({ nowMs: () => systemClock.nowMs() });
  const host = await startBrowserHost({
    core: terminal.core,
    logger: terminal.logger,
    host: terminal.config.localApi.host,
    port: terminal.config.localApi.port,
    rendererDir: rendererBuildDir,
    launchCodes,
  });
  terminal.publishApiEndpoint({ url: host.origin, token: host.token });

  const chromium = options.openWindow ? findChromium() : undefined;
  const windowPossible = options.openWindow && chromium !== undefined && hasDisplay();
  options.print(`url: ${windowPossible ? host.origin : host.pageUrl}`);
  if (terminal.sandboxUrl) options.print(`sandbox: ${terminal.sandboxUrl} (a customer pays a QR with: npx terminal wallet pay "<qr content>" --backend ${terminal.sandboxUrl})`);

  if (windowPossible) {
    const window = openChromiumWindow({ executable: chromium, url: `${host.origin}/#launch=${launchCodes.create()}`, profileDir: terminal.layout.chromiumProfile, kiosk: terminal.mode === 'kiosk' });
    window.on('error', (error) => terminal.logger.error({ err: error }, 'could not open Chromium'));
    terminal.logger.info({ pid: window.pid }, 'opened Chromium window');
  } else if (options.openWindow) {
    options.print(chromium ? 'no display found: open the url above in a browser' : 'Chromium not found (set CHROMIUM_PATH): open the url above in a browser');
  }
  return { stop: () => host.close() };
}
