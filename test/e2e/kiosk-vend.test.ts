import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogView, CommandResult, PaymentView } from '../../main/contract/contract.js';
import { sandboxWalletFor } from '../support/sandbox-wallet.js';
import { launchChromium } from '../support/chromium.js';
import { ensureRendererBuilt, startHeadlessTerminal, type HeadlessTerminal } from '../support/headless-terminal.js';

/**
 * The unattended kiosk end to end: a headless terminal in kiosk mode with the embedded sandbox
 * backend and the in-process dispense board simulator, driven through the real kiosk screen in
 * Chromium; the customer pays the QR with the sandbox wallet.
 */
let browser: Browser;
const screenshots = join('test-output', 'screenshots');
const terminals: HeadlessTerminal[] = [];

beforeAll(async () => {
  await ensureRendererBuilt();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const terminal of terminals) await terminal.stop();
});

async function kioskTerminal(boardUri: string): Promise<HeadlessTerminal> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  writeFileSync(join(dataDir, 'config.yaml'), `terminal:\n  mode: kiosk\ndevices:\n  vendingBoard: "${boardUri}"\n`);
  const terminal = await startHeadlessTerminal([], dataDir);
  terminals.push(terminal);
  return terminal;
}

async function call<T>(terminal: HeadlessTerminal, name: string, input: unknown): Promise<T> {
  const response = await fetch(`${terminal.origin}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${terminal.token}` }, body: JSON.stringify(input) });
  const result = (await response.json()) as CommandResult<T>;
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Selects SLOT on the kiosk screen and pays the QR it shows with the sandbox wallet. */
async function buyAndPay(terminal: HeadlessTerminal, slot: number): Promise<{ page: Page; problems: string[]; paymentIntentId: string }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(terminal.pageUrl);
  await expect.poll(() => page.getByTestId('kiosk-attract').getAttribute('data-kiosk-state'), { timeout: 30_000 }).toBe('ready');
  await page.getByTestId('kiosk-attract').click();
  await page.getByTestId(`slot-${slot}`).click();
  await page.getByTestId('payment-qr').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('payment-countdown').textContent()).toMatch(/\d+/);
  const open = await call<{ payments: PaymentView[] }>(terminal, 'payment.open', {});
  const payment = open.payments.find((candidate) => candidate.state === 'awaiting');
  expect(payment?.qrContent).toMatch(/^000201010212/);
  const sandbox = JSON.parse(readFileSync(join(terminal.dataDir, 'runtime', 'sandbox-backend.json'), 'utf8')) as { url: string };
  expect(await sandboxWalletFor(sandbox.url, terminal.dataDir).payQr({ qrContent: payment?.qrContent ?? '', behaviour: 'pay' })).toMatchObject({ outcome: 'paid' });
  return { page, problems, paymentIntentId: payment?.paymentIntentId ?? '' };
}

describe('kiosk sale end to end (sandbox backend, simulated dispense board, real browser)', () => {
  it('select → QR → paid → dispensed: "请取货", stock −1, then back to the attract screen', async () => {
    const terminal = await kioskTerminal('sim:board');
    const { page, problems, paymentIntentId } = await buyAndPay(terminal, 1);
    await expect.poll(() => page.getByTestId('vend-progress').getAttribute('data-state'), { timeout: 30_000 }).toBe('dispensed');
    expect(await page.getByTestId('vend-message').textContent()).toBe('请取货');
    const status = await call<{ vend: { state: string; sequence: number | null } | null }>(terminal, 'kiosk.vendStatus', { paymentIntentId });
    expect(status.vend).toMatchObject({ state: 'dispensed', sequence: expect.any(Number) });
    const catalog = await call<CatalogView>(terminal, 'catalog.get', {});
    expect(catalog.slots.find((slot) => slot.slot === 1)?.stock).toBe(7);
    await page.getByTestId('vend-done').click();
    await page.getByTestId('kiosk-attract').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('a jammed slot: "出货失败，已退款" with the refund confirmed by the backend', async () => {
    const terminal = await kioskTerminal('sim:board?fault=jam');
    const { page, problems, paymentIntentId } = await buyAndPay(terminal, 2);
    await expect.poll(() => page.getByTestId('vend-message').textContent(), { timeout: 30_000 }).toBe('出货失败，已退款');
    expect(await page.getByTestId('vend-detail').textContent()).toBe('￥4.00 已原路退回您付款的钱包');
    const payment = await call<PaymentView>(terminal, 'payment.status', { paymentIntentId });
    expect(payment.refunds).toEqual([expect.objectContaining({ state: 'refunded', amountMinor: 400 })]);
    expect((await call<CatalogView>(terminal, 'catalog.get', {})).slots.find((slot) => slot.slot === 2)?.stock).toBe(10);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  for (const screen of [
    { width: 1080, height: 1920, lang: 'zh-CN' as const, name: '可乐', cancel: '取消购买' },
    { width: 1920, height: 1080, lang: 'en' as const, name: 'Cola', cancel: 'Cancel purchase' },
  ]) {
    it(`fills a ${screen.width}×${screen.height} screen (${screen.lang}): the QR names the product and spans ≥ 40% of the width; nothing for staff shown`, async () => {
      const terminal = await kioskTerminal('sim:board');
      const page = await browser.newPage({ viewport: { width: screen.width, height: screen.height } });
      const url = new URL(terminal.pageUrl);
      url.search = `?lang=${screen.lang}`;
      await page.goto(url.toString());
      await expect.poll(() => page.getByTestId('kiosk-attract').getAttribute('data-kiosk-state'), { timeout: 30_000 }).toBe('ready');
      mkdirSync(screenshots, { recursive: true });
      const shot = (step: string) => page.screenshot({ path: join(screenshots, `kiosk-${step}-${screen.width}x${screen.height}-${screen.lang}.png`) });
      await shot('attract');
      // Customers never see the terminal's name, its backend or its sync queue.
      expect(await page.getByTestId('connectivity').count()).toBe(0);
      expect(await page.getByTestId('queue-depth').count()).toBe(0);
      await page.getByTestId('kiosk-attract').click();
      const tile = await page.getByTestId('slot-1').boundingBox();
      // A thumb-sized tile is ≥ 2 cm: at least 76 CSS px (96 px per inch); these are far larger.
      expect(Math.min(tile!.width, tile!.height)).toBeGreaterThan(200);
      await shot('grid');
      await page.getByTestId('slot-1').click();
      const qr = page.getByRole('img', { name: screen.lang === 'en' ? 'Payment QR code' : '付款二维码' });
      await qr.waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('kiosk-product-name').textContent()).toBe(screen.name);
      const box = await qr.boundingBox();
      expect(box!.width / screen.width).toBeGreaterThanOrEqual(0.4);
      expect(box!.y + box!.height).toBeLessThanOrEqual(screen.height);
      await shot('qr');
      await page.getByRole('button', { name: screen.cancel }).click();
      await page.getByTestId('kiosk-attract').waitFor({ timeout: 30_000 });
      await page.close();
    }, 120_000);
  }

  it('returns to the default language for the next customer', async () => {
    const terminal = await kioskTerminal('sim:board');
    const page = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await page.goto(terminal.pageUrl);
    await expect.poll(() => page.getByTestId('kiosk-attract').getAttribute('data-kiosk-state'), { timeout: 30_000 }).toBe('ready');
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('kiosk-attract').click();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect.poll(() => page.getByTestId('kiosk-attract').textContent()).toContain('轻触屏幕开始购物');
    await page.close();
  }, 120_000);
});
