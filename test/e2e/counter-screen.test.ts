/**
 * The counter in Chromium against a headless terminal with the embedded sandbox: the order is
 * locked while it is being paid, a keyboard-wedge scan never clicks the focused button, a new
 * operator starts clean, long orders keep the total and the tenders on screen, and controls carry
 * their accessible names in both languages.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxWalletFor } from '../support/sandbox-wallet.js';
import { launchChromium } from '../support/chromium.js';
import { typeLikeScanner } from '../support/keyboard-wedge-scan.js';
import { ensureRendererBuilt, startHeadlessTerminal, type HeadlessTerminal } from '../support/headless-terminal.js';

let browser: Browser;
let terminal: HeadlessTerminal;
const screenshots = join('test-output', 'screenshots');

beforeAll(async () => {
  await ensureRendererBuilt();
  terminal = await startHeadlessTerminal();
  browser = await launchChromium();
  mkdirSync(screenshots, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await terminal?.stop();
});

/** Opens the counter (optionally `?lang=…`) and logs in as USER with PIN. */
async function openCounter(options: { lang?: 'en' | 'zh-CN'; width?: number; height?: number; user?: string; pin?: string } = {}): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  const url = new URL(terminal.pageUrl);
  if (options.lang) url.search = `?lang=${options.lang}`;
  await page.goto(url.toString());
  await logIn(page, options.user ?? 'cashier', options.pin ?? '1111');
  return { page, problems };
}

async function logIn(page: Page, user: string, pin: string): Promise<void> {
  await page.getByTestId(`user-${user}`).click();
  for (const digit of pin) await page.getByTestId(`pin-${digit}`).click();
  await page.getByTestId('login-submit').click();
  await page.getByTestId('counter-screen').waitFor();
}

async function readQrOffScreen(page: Page, name: string): Promise<string> {
  const shot = join(screenshots, `${name}.png`);
  await page.getByTestId('payment-qr').screenshot({ path: shot });
  const scanned = spawnSync('zbarimg', ['-q', '--raw', shot], { encoding: 'utf8' });
  expect(scanned.status, scanned.stderr).toBe(0);
  return scanned.stdout.trim();
}

describe('counter screen', { timeout: 120_000 }, () => {
  it('locks the order from Charge until the payment ends, so the amount paid is the total shown', async () => {
    const { page, problems } = await openCounter();
    await page.getByRole('button', { name: '饮品' }).click();
    for (let tap = 0; tap < 3; tap += 1) await page.getByTestId('product-cola').click();
    await expect.poll(() => page.getByTestId('order-total').textContent()).toContain('￥13.50');
    expect(await page.getByRole('button', { name: '增加可乐数量' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: '扫码支付' }).click();
    await page.getByRole('img', { name: '付款二维码' }).waitFor();

    // Nothing that changes the order can be used while the customer pays: the quantity buttons
    // are gone with the locked lines, the menu tiles are disabled.
    expect(await page.getByRole('button', { name: '增加可乐数量' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: '减少可乐数量' }).count()).toBe(0);
    expect(await page.getByTestId('product-cola').isDisabled()).toBe(true);
    await page.getByTestId('product-cola').click({ force: true });
    expect(await page.getByTestId('order-total').textContent()).toContain('￥13.50');

    const qrContent = await readQrOffScreen(page, 'counter-locked-qr');
    expect(await sandboxWalletFor(terminal.sandboxUrl!, terminal.dataDir).payQr({ qrContent, behaviour: 'pay' })).toMatchObject({ outcome: 'paid', amountMinor: 1350 });
    await expect.poll(() => page.getByTestId('payment-panel').getAttribute('data-state'), { timeout: 20_000 }).toBe('paid');
    await page.getByRole('button', { name: '完成' }).click();
    await page.getByTestId('sale-result').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('takes a keyboard-wedge scan as a payment code without clicking the focused button', async () => {
    const { page, problems } = await openCounter();
    await page.getByRole('button', { name: '饮品' }).click();
    await page.getByTestId('product-water').click();
    await expect.poll(() => page.getByRole('button', { name: '扫码支付' }).isEnabled()).toBe(true);
    const { code } = await sandboxWalletFor(terminal.sandboxUrl!, terminal.dataDir).issueCode({ behaviour: 'pay' });
    // The QR button has the focus: a scanner's Enter must not start a QR payment.
    await page.getByRole('button', { name: '扫码支付' }).focus();
    await typeLikeScanner(page, code);
    await expect.poll(() => page.getByTestId('payment-panel').getAttribute('data-state'), { timeout: 20_000 }).toBe('paid');
    expect(await page.getByTestId('payment-qr').count()).toBe(0);
    await page.getByRole('button', { name: '完成' }).click();
    await page.getByTestId('sale-result').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('starts a new operator with a clean counter and keeps the operator across a reload', async () => {
    const { page } = await openCounter();
    await page.getByRole('button', { name: '饮品' }).click();
    await page.getByTestId('product-green-tea').click();
    await page.getByRole('button', { name: '现金', exact: true }).click();
    await page.getByTestId('confirm-cash').click();
    await page.getByTestId('sale-result').waitFor();

    await page.reload();
    await page.getByTestId('counter-screen').waitFor();
    expect(await page.getByTestId('login-panel').count()).toBe(0);

    await page.getByTestId('logout').click();
    await logIn(page, 'supervisor', '2222');
    expect(await page.getByTestId('sale-result').count()).toBe(0);
    expect(await page.getByTestId('order-lines').locator('li').count()).toBe(0);
    await page.close();
  });

  for (const viewport of [
    { width: 1280, height: 800, lang: 'zh-CN' as const },
    { width: 1024, height: 768, lang: 'en' as const },
    { width: 1920, height: 1080, lang: 'en' as const },
  ]) {
    it(`keeps the total and the tenders on screen with 14 lines at ${viewport.width}×${viewport.height} (${viewport.lang})`, async () => {
      const { page, problems } = await openCounter({ ...viewport });
      const spices = [[], ['mild'], ['hot']];
      const extras = [[], ['egg'], ['beef'], ['egg', 'beef']];
      let lines = 0;
      for (const product of ['beef-noodles', 'dan-dan']) {
        for (const spice of spices) {
          for (const extra of extras) {
            if (lines === 14) break;
            await page.getByTestId(`product-${product}`).click();
            for (const option of [...spice, ...extra]) await page.getByTestId(`modifier-${option}`).click();
            await page.getByTestId('modifier-add').click();
            lines += 1;
          }
        }
      }
      expect(await page.getByTestId('order-lines').locator('li').count()).toBe(14);
      const names = viewport.lang === 'en' ? { cash: 'Cash', qr: 'QR', code: 'Payment code' } : { cash: '现金', qr: '扫码支付', code: '付款码' };
      await expect.poll(() => page.getByRole('button', { name: names.qr, exact: true }).isEnabled()).toBe(true);
      for (const control of [page.getByTestId('order-total'), page.getByRole('button', { name: names.cash, exact: true }), page.getByRole('button', { name: names.qr, exact: true }), page.getByRole('button', { name: names.code, exact: true })]) {
        const box = await control.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
      }
      const scrolls = await page.evaluate(() => document.scrollingElement!.scrollHeight > window.innerHeight);
      expect(scrolls).toBe(false);
      await page.screenshot({ path: join(screenshots, `counter-14-lines-${viewport.width}x${viewport.height}-${viewport.lang}.png`) });

      await page.getByRole('button', { name: names.qr, exact: true }).click();
      const qr = page.getByRole('img', { name: viewport.lang === 'en' ? 'Payment QR code' : '付款二维码' });
      await qr.waitFor();
      const cancel = page.getByRole('button', { name: viewport.lang === 'en' ? 'Cancel' : '取消', exact: true });
      const cancelBox = await cancel.boundingBox();
      expect(cancelBox!.y + cancelBox!.height).toBeLessThanOrEqual(viewport.height);
      await page.screenshot({ path: join(screenshots, `counter-qr-${viewport.width}x${viewport.height}-${viewport.lang}.png`) });
      await cancel.click();
      await expect.poll(() => page.getByTestId('payment-panel').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/cancelled|expired/);
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
