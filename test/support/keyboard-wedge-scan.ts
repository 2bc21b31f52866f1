/**
 * Types CODE + Enter into a Chromium page the way a keyboard-wedge scanner does: real (trusted)
 * key events through the DevTools protocol, stamped 4 ms apart, so the page sees a scanner's
 * timing however busy the test machine is (Playwright's `keyboard.type` takes tens of ms a key).
 */
import type { Page } from 'playwright-core';

export async function typeLikeScanner(page: Page, code: string, interKeyMs = 4): Promise<void> {
  const session = await page.context().newCDPSession(page);
  const startSeconds = Date.now() / 1000;
  const sends: Promise<unknown>[] = [];
  [...code, 'Enter'].forEach((key, index) => {
    const timestamp = startSeconds + (index * interKeyMs) / 1000;
    const isEnter = key === 'Enter';
    const keyCode = isEnter ? 'Enter' : /\d/.test(key) ? `Digit${key}` : `Key${key.toUpperCase()}`;
    const windowsVirtualKeyCode = isEnter ? 13 : key.toUpperCase().charCodeAt(0);
    sends.push(session.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code: keyCode, text: isEnter ? '\r' : key, windowsVirtualKeyCode, timestamp }));
    sends.push(session.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code: keyCode, windowsVirtualKeyCode, timestamp: timestamp + 0.001 }));
  });
  await Promise.all(sends);
  await session.detach();
}
