import { isAbsolute, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appContentSecurityPolicy,
  appEntryUrl,
  appProtocolFile,
  appResponseHeaders,
  isAppUrl,
  isTrustedIpcSender,
  refuseNavigationAway,
  refusePermissionCheck,
  refusePermissionRequest,
  refuseWebview,
  refuseWindowOpen,
} from '../../../main/electron/content-policy.js';

function recordingEvent() {
  const event = { prevented: false, preventDefault: () => (event.prevented = true) };
  return event;
}

describe('navigation', () => {
  it.each([appEntryUrl, 'app://terminal/', 'app://terminal/assets/index-1a2b.js', 'app://terminal/index.html#/sale'])('stays on %s', (url) => {
    const event = recordingEvent();
    refuseNavigationAway(event, url);
    expect(event.prevented).toBe(false);
  });

  it.each([
    'https://example.com/',
    'http://127.0.0.1:8787/',
    'file:///etc/passwd',
    'app://terminal.evil/index.html',
    'app://evil/index.html',
    'app://user@terminal/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'devtools://devtools/bundled/inspector.html',
    'not a url',
  ])('refuses %s', (url) => {
    const event = recordingEvent();
    refuseNavigationAway(event, url);
    expect(event.prevented).toBe(true);
    expect(isAppUrl(url)).toBe(false);
  });

  it('refuses every webview and every new window', () => {
    const event = recordingEvent();
    refuseWebview(event);
    expect(event.prevented).toBe(true);
    expect(refuseWindowOpen()).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'usb', 'openExternal', 'fullscreen'])('answers no to a %s request', (permission) => {
    const answers: boolean[] = [];
    refusePermissionRequest({}, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false]);
  });

  it('holds no permission when asked', () => {
    expect(refusePermissionCheck()).toBe(false);
  });
});

describe('IPC senders', () => {
  const mainFrame = { url: appEntryUrl };
  const windowContents = { mainFrame };

  it('trusts the top frame of our window showing our page', () => {
    expect(isTrustedIpcSender({ sender: windowContents, senderFrame: mainFrame }, windowContents)).toBe(true);
  });

  it('refuses another webContents, a subframe, a destroyed frame and a page from elsewhere', () => {
    const otherContents = { mainFrame };
    expect(isTrustedIpcSender({ sender: otherContents, senderFrame: mainFrame }, windowContents)).toBe(false);
    expect(isTrustedIpcSender({ sender: windowContents, senderFrame: { url: appEntryUrl } }, windowContents)).toBe(false);
    expect(isTrustedIpcSender({ sender: windowContents, senderFrame: null }, windowContents)).toBe(false);
    const navigatedFrame = { url: 'https://example.com/' };
    expect(isTrustedIpcSender({ sender: { mainFrame: navigatedFrame }, senderFrame: navigatedFrame }, { mainFrame: navigatedFrame })).toBe(false);
  });
});

describe('the app:// protocol', () => {
  const rendererDir = join('/opt', 'terminal', 'dist', 'renderer');

  it('serves files of the renderer build, index.html for the root', () => {
    expect(appProtocolFile('app://terminal/', rendererDir)).toBe(join(rendererDir, 'index.html'));
    expect(appProtocolFile('app://terminal/index.html', rendererDir)).toBe(join(rendererDir, 'index.html'));
    expect(appProtocolFile('app://terminal/assets/app%20icon.png', rendererDir)).toBe(join(rendererDir, 'assets', 'app icon.png'));
  });

  it.each([
    'app://terminal/../../etc/passwd',
    'app://terminal/%2e%2e/%2e%2e/etc/passwd',
    'app://terminal/assets/..%2f..%2f..%2fetc%2fpasswd',
  ])('never leaves the renderer build for %s', (url) => {
    const file = appProtocolFile(url, rendererDir);
    expect(file).toBeDefined();
    const inside = relative(rendererDir, file ?? '/');
    expect(inside.split(sep)[0]).not.toBe('..');
    expect(isAbsolute(inside)).toBe(false);
  });

  it.each(['app://terminal/..%5c..%5csecret.key', 'app://terminal/%E0%A4%A', 'app://terminal/index.html%00.png', 'app://other/index.html', 'https://terminal/index.html', 'not a url'])('serves nothing for %s', (url) => {
    expect(appProtocolFile(url, rendererDir)).toBeUndefined();
  });

  it('sends a strict CSP on every response: own scripts only, no inline code, no other origin, no sockets', () => {
    const policy = appContentSecurityPolicy();
    const directives = new Map(policy.split(/;\s*/).map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|ws:|http:|\*/);
    expect(appResponseHeaders()).toMatchObject({ 'content-security-policy': policy, 'x-content-type-options': 'nosniff' });
  });
});
