/** Browser mode and headless mode: the core plus the loopback host, with or without a Chromium window. */
import { startBrowserHost } from '../host/browser-host.js';
import { findChromium, hasDisplay, openChromiumWindow } from '../host/chromium-launcher.js';
import { rendererBuildDir } from './project-files.js';
import type { RunningTerminal } from './start-terminal.js';

export interface BrowserShellOptions {
  readonly openWindow: boolean;
  readonly print: (line: string) => void;
}

export async function runBrowserShell(terminal: RunningTerminal, options: BrowserShellOptions): Promise<{ stop: () => Promise<void> }> {
  const host = await startBrowserHost({
    core: terminal.core,
    logger: terminal.logger,
    host: terminal.config.localApi.host,
    port: terminal.config.localApi.port,
    rendererDir: rendererBuildDir,
  });
  terminal.publishApiEndpoint({ url: host.origin, token: host.token });
  options.print(`url: ${host.pageUrl}`);
  if (terminal.sandboxUrl) options.print(`sandbox: ${terminal.sandboxUrl} (a customer pays a QR with: npx terminal wallet pay "<qr content>" --backend ${terminal.sandboxUrl})`);

  const chromium = options.openWindow ? findChromium() : undefined;
  if (options.openWindow && chromium && hasDisplay()) {
    const window = openChromiumWindow({ executable: chromium, url: host.pageUrl, profileDir: terminal.layout.chromiumProfile, kiosk: terminal.mode === 'kiosk' });
    window.on('error', (error) => terminal.logger.error({ err: error }, 'could not open Chromium'));
    terminal.logger.info({ pid: window.pid }, 'opened Chromium window');
  } else if (options.openWindow) {
    options.print(chromium ? 'no display found: open the url above in a browser' : 'Chromium not found (set CHROMIUM_PATH): open the url above in a browser');
  }
  return { stop: () => host.close() };
}
