/**
 * What the renderer may load, open and ask for. The page is served from `app://terminal/` only;
 * every response carries a strict CSP; navigation away from it, new windows, webviews and every
 * permission request (camera, notifications, HID, serial, USB, ...) are refused; IPC is accepted
 * only from the top frame of our own window showing our own page.
 *
 * Plain functions, no Electron at run time: electron-main installs them, tests call them.
 */
import { join, normalize, sep } from 'node:path';
import { contentSecurityPolicy } from '../host/browser-host.js';

export const appScheme = 'app';
export const appHost = 'terminal';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** True for URLs of our own page (`app://terminal/...`, no user info); false for anything else, unparsable URLs included. */
export function isAppUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === `${appScheme}:` && parsed.host === appHost && parsed.username === '' && parsed.password === '';
}

/** `will-navigate` / `will-redirect` handler: refuses (preventDefault) every target outside our page. */
export function refuseNavigationAway(event: { preventDefault(): void }, targetUrl: string): void {
  if (!isAppUrl(targetUrl)) event.preventDefault();
}

/** `will-attach-webview` handler: no webview is ever attached. */
export function refuseWebview(event: { preventDefault(): void }): void {
  event.preventDefault();
}

/** `setWindowOpenHandler` handler: no page opens a window, not even one of ours. */
export function refuseWindowOpen(): { action: 'deny' } {
  return { action: 'deny' };
}

/** `setPermissionRequestHandler` handler: every request is answered no. */
export function refusePermissionRequest(_contents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** `setPermissionCheckHandler` and `setDevicePermissionHandler` handler: no permission is held. */
export function refusePermissionCheck(): false {
  return false;
}

/** The parts of an IPC event `isTrustedIpcSender` looks at; Electron's `IpcMainInvokeEvent` has them. */
export interface IpcSenderFacts {
  readonly sender: { readonly mainFrame: unknown };
  readonly senderFrame: { readonly url: string } | null;
}

/**
 * True when EVENT comes from WINDOWCONTENTS (our window's webContents), from its top frame, while
 * that frame shows our page. A frame that was navigated away, a subframe, a destroyed frame or
 * another webContents is not trusted.
 */
export function isTrustedIpcSender(event: IpcSenderFacts, windowContents: unknown): boolean {
  const frame = event.senderFrame;
  return event.sender === windowContents && frame !== null && frame === event.sender.mainFrame && isAppUrl(frame.url);
}

/**
 * The file inside RENDERERDIR that an `app://` request names (`/` means index.html), or undefined
 * for another host, a malformed escape, a NUL byte or a backslash (a separator on Windows). `..` segments, encoded or not, are resolved
 * against the URL's root, so the answer never leaves RENDERERDIR.
 */
export function appProtocolFile(requestUrl: string, rendererDir: string): string | undefined {
  if (!URL.canParse(requestUrl)) return undefined;
  const url = new URL(requestUrl);
  if (url.protocol !== `${appScheme}:` || url.host !== appHost) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const relative = normalize(pathname).replace(/^[/\\]+/, '') || 'index.html';
  const root = normalize(rendererDir);
  const file = join(root, relative);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

/**
 * The CSP of the Electron shell: the browser host's policy (no inline script, no eval, no other
 * origin) with `connect-src 'self'` only, since the page reaches the core over IPC, not a socket.
 */
export function appContentSecurityPolicy(): string {
  return contentSecurityPolicy(appOrigin).replace(/connect-src [^;]*/, "connect-src 'self'");
}

/** Headers set on every `app://` response, whatever the file. */
export function appResponseHeaders(): Record<string, string> {
  return {
    'content-security-policy': appContentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
