import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxWalletFor } from '../support/sandbox-wallet.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ensureRendererBuilt, startHeadlessTerminal, type HeadlessTerminal } from '../support/headless-terminal.js';

let browser: Browser;
let terminal: HeadlessTerminal;

beforeAll(async () => {
  await ensureRendererBuilt();
  terminal = await startHeadlessTerminal();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await terminal?.stop();
});

async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(url);
  return { page, problems };
}

describe('browser mode end to end', () => {
  it('publishes the local API address and token readable by the owner only', () => {
    const endpointFile = join(terminal.dataDir, 'runtime', 'local-api.json');
    expect(statSync(endpointFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(endpointFile, 'utf8'))).toMatchObject({ url: terminal.origin, token: terminal.token });
  });

  it('renders the counter in zh-CN, switches to en, and records a cash sale through the contract', async () => {
    const { page, problems } = await openPage(terminal.pageUrl);
    await expect.poll(() => page.getByTestId('mode').textContent()).toBe('收银台');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.getByTestId('login-panel').textContent()).toContain('请选择用户并输入密码');
    // The token left the address bar once read.
    expect(page.url()).not.toContain('token=');

    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('mode').textContent()).toBe('Counter');
    expect(await page.getByTestId('login-panel').textContent()).toContain('Choose your name and enter your PIN');

    await page.getByTestId('user-cashier').click();
    for (const digit of '1111') await page.getByTestId(`pin-${digit}`).click();
    await page.getByTestId('login-submit').click();
    // Beef noodles has modifier groups: the picker opens; the core prices the choice (+￥2 egg).
    for (let round = 0; round < 2; round += 1) {
      await page.getByTestId('product-beef-noodles').click();
      await page.getByTestId('modifier-hot').click();
      await page.getByTestId('modifier-egg').click();
      await page.getByTestId('modifier-add').click();
    }
    await page.getByTestId('product-dan-dan').click();
    await page.getByTestId('modifier-add').click();
    await expect.poll(() => page.getByTestId('order-total').textContent()).toContain('￥78.50');
    expect(await page.getByTestId('order-lines').locator('li').count()).toBe(2);
    await page.getByTestId('pay-cash').click();
    await page.getByTestId('tender-10000').click();
    await page.getByTestId('confirm-cash').click();
    await page.getByTestId('sale-result').waitFor();
    expect(await page.getByTestId('receipt-number').textContent()).toBe('T-001-000001');
    expect(await page.getByTestId('change').textContent()).toBe('￥21.50');
    // The status event from the core updates the queue depth: order + payment intent.
    await expect.poll(() => page.getByTestId('queue-depth').getAttribute('data-depth')).toBe('2');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses contract calls that lack the token, from the page and from outside', async () => {
    const { page } = await openPage(`${terminal.origin}/`);
    expect(await page.getByTestId('no-token').textContent()).toContain('缺少访问令牌');
    const status = await page.evaluate(async (origin) => {
      const response = await fetch(`${origin}/api/call/system.status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: response.status, body: (await response.json()) as unknown };
    }, terminal.origin);
    expect(status).toEqual({ status: 401, body: { ok: false, error: { code: 'unauthenticated', message: expect.stringContaining('token'), retryable: false } } });
    await page.close();
  });

  it('shows wrong-PIN errors from the core', async () => {
    const { page } = await openPage(terminal.pageUrl);
    await page.getByTestId('user-supervisor').click();
    for (const digit of '9999') await page.getByTestId(`pin-${digit}`).click();
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('密码错误，还可尝试 4 次');
    await page.close();
  });
});

describe('browser mode, wallet tenders', () => {
  it('shows a dynamic QR that a wallet app can scan off the screen, and sees it paid', async () => {
    expect(terminal.sandboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { page, problems } = await openPage(terminal.pageUrl);
    await page.getByTestId('user-cashier').click();
    for (const digit of '1111') await page.getByTestId(`pin-${digit}`).click();
    await page.getByTestId('login-submit').click();
    await page.getByRole('button', { name: /饮品|Drinks/ }).click();
    await page.getByTestId('product-cola').click();
    await expect.poll(() => page.getByTestId('pay-qr').isEnabled()).toBe(true);
    await page.getByTestId('pay-qr').click();
    await page.getByTestId('payment-qr').waitFor();
    expect(await page.getByTestId('payment-panel').getAttribute('data-state')).toBe('awaiting');
    expect(await page.getByTestId('payment-countdown').textContent()).toMatch(/\d+/);

    // Read the code the way a phone would: from pixels on the screen.
    const shot = join(mkdtempSync(join(tmpdir(), 'qr-shot-')), 'qr.png');
    await page.getByTestId('payment-qr').screenshot({ path: shot });
    const scanned = spawnSync('zbarimg', ['-q', '--raw', shot], { encoding: 'utf8' });
    expect(scanned.status, scanned.stderr).toBe(0);
    const qrContent = scanned.stdout.trim();
    expect(qrContent).toMatch(/^000201010212.*54044\.50.*6304[0-9A-F]{4}$/);

    expect(await sandboxWalletFor(terminal.sandboxUrl!, terminal.dataDir).payQr({ qrContent, behaviour: 'pay' })).toMatchObject({ outcome: 'paid' });
    await expect.poll(() => page.getByTestId('payment-panel').getAttribute('data-state'), { timeout: 20_000 }).toBe('paid');
    await page.getByTestId('payment-done').click();
    await page.getByTestId('sale-result').waitFor();
    expect(await page.getByTestId('receipt-number').textContent()).toMatch(/^T-001-\d{6}$/);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('browser mode, kiosk', () => {
  it('shows the attract screen and the slot grid with sold-out slots', async () => {
    const kiosk = await startHeadlessTerminal(['--mode', 'kiosk']);
    try {
      const { page, problems } = await openPage(kiosk.pageUrl);
      await page.getByTestId('kiosk-attract').waitFor();
      expect(await page.getByTestId('kiosk-attract').textContent()).toContain('轻触屏幕开始购物');
      await page.getByTestId('kiosk-attract').click();
      expect(await page.getByTestId('slot-1').textContent()).toContain('￥4.50');
      expect(await page.getByTestId('slot-4').isDisabled()).toBe(true);
      expect(await page.getByTestId('slot-4').textContent()).toContain('售罄');
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      expect(await kiosk.stop()).toBe(0);
    }
  });
});
