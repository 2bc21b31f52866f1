/**
 * Opens the UI in Chromium's app window (kiosk mode for the vending kiosk) when a Chromium binary
 * exists and a display is available. Returns undefined when it cannot, so the caller prints the URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate.length > 0 && existsSync(candidate));
}

export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export interface ChromiumWindowOptions {
  readonly executable: string;
  /**
   * Goes on Chromium's command line, which every local user can read (/proc/<pid>/cmdline):
   * never a secret. Browser mode passes a one-time launch code here, never the API token.
   */
  readonly url: string;
  readonly profileDir: string;
  readonly kiosk: boolean;
}

export function chromiumArguments(options: ChromiumWindowOptions, runningAsRoot: boolean): string[] {
  return [
    `--app=${options.url}`,
    `--user-data-dir=${options.profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=Translate',
    ...(options.kiosk ? ['--kiosk', '--noerrdialogs', '--disable-pinch', '--overscroll-history-navigation=0'] : []),
    // Chromium refuses to run as root with its sandbox; the page is our own, served on loopback.
    ...(runningAsRoot ? ['--no-sandbox'] : []),
  ];
}

export function openChromiumWindow(options: ChromiumWindowOptions): ChildProcess {
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return spawn(options.executable, chromiumArguments(options, runningAsRoot), { stdio: 'ignore', detached: false });
}
