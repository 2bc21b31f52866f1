/**
 * The technician console in Chromium on a kiosk terminal (embedded sandbox backend, simulated
 * printer and dispense board), opened with `?screen=technician`: PIN login, a dead letter
 * retried and one discarded (both journaled with who did it and uploaded), a test print on the
 * simulated printer, and a refill the kiosk then sells from. Screenshots in both languages.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxWalletFor } from '../support/sandbox-wallet.js';
import type { CatalogView, CommandResult, PaymentView } from '../../main/contract/contract.js';
import { Journal } from '../../sync/store/journal.js';
import { launchChromium } from '../support/chromium.js';
import { ensureRendererBuilt, startHeadlessTerminal, type HeadlessTerminal } from '../support/headless-terminal.js';

let browser: Browser;
let terminal: HeadlessTerminal;
const screenshots = join('test-output', 'screenshots');
const deadLetterIds: string[] = [];

beforeAll(async () => {
  await ensureRendererBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'technician-e2e-'));
  writeFileSync(join(dataDir, 'config.yaml'), 'terminal:\n  mode: kiosk\ndevices:\n  vendingBoard: "sim:board"\n  receiptPrinter: "sim:printer"\n');
  // Two entries the backend "rejected for good", journaled before the terminal starts.
  const journal = Journal.open(join(dataDir, 'journal.sqlite'));
  for (const [note, reason] of [['first', 'bad-request: unknown product p-gone'], ['second', 'bad-request: price list version 3 is unknown']] as const) {
    journal.recordAudit('test', { event: 'test.rejected-entry', note });
    const entry = journal.pendingOutbox(100).at(-1);
    if (!entry || !journal.deadLetterOutbox(entry.entryId, reason)) throw new Error('could not make a dead letter');
    deadLetterIds.push(entry.entryId);
  }
  journal.close();
  terminal = await startHeadlessTerminal([], dataDir);
  browser = await launchChromium();
  mkdirSync(screenshots, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await terminal?.stop();
});

async function call<T>(name: string, input: unknown): Promise<T> {
  const response = await fetch(`${terminal.origin}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${terminal.token}` }, body: JSON.stringify(input) });
  const result = (await response.json()) as CommandResult<T>;
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The technician's audit entries in the journal, with whether the backend acknowledged them. */
function auditEntries(): { event: string; userId: string; reason?: string; entryId?: string; uploaded: boolean }[] {
  const db = new Database(join(terminal.dataDir, 'journal.sqlite'), { readonly: true });
  try {
    const rows = db.prepare("SELECT payload_json, acked_at_ms FROM outbox WHERE kind = 'audit.recorded' ORDER BY seq").all() as { payload_json: string; acked_at_ms: number | null }[];
    return rows.map((row) => ({ ...(JSON.parse(row.payload_json) as { event: string; userId: string }), uploaded: row.acked_at_ms !== null }));
  } finally {
    db.close();
  }
}

/** The console scrolls inside the page body: one screenshot at the top, one scrolled to the end. */
async function screenshotConsole(page: Page, lang: string): Promise<void> {
  await page.evaluate(() => document.querySelector('.app__body')?.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshots, `technician-console-top-1280x800-${lang}.png`) });
  await page.evaluate(() => document.querySelector('.app__body')?.scrollTo(0, 1_000_000));
  await page.screenshot({ path: join(screenshots, `technician-console-end-1280x800-${lang}.png`) });
}

async function openConsole(lang: 'en' | 'zh-CN'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  const url = new URL(terminal.pageUrl);
  url.search = `?screen=technician&lang=${lang}`;
  await page.goto(url.toString());
  await page.getByTestId('user-technician').click();
  for (const digit of '3333') await page.getByTestId(`pin-${digit}`).click();
  await page.getByTestId('login-submit').click();
  await page.getByTestId('technician-screen').waitFor();
  return { page, problems };
}

describe('technician console', { timeout: 180_000 }, () => {
  it('dead letters: Retry puts one back and it uploads; Discard asks for a reason; both journaled with who did it', async () => {
    const { page, problems } = await openConsole('en');
    const [retried, discarded] = deadLetterIds as [string, string];
    await page.getByTestId(`dead-letter-${retried}`).waitFor();
    expect(await page.getByTestId(`dead-letter-${retried}`).textContent()).toContain('bad-request: unknown product p-gone');
    await screenshotConsole(page, 'en');

    await page.getByTestId(`dead-letter-${retried}`).getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId(`dead-letter-${retried}`).waitFor({ state: 'detached' });
    expect(await page.getByTestId('sync-notice').textContent()).toBe('Put back into the sync queue');

    await page.getByTestId(`dead-letter-${discarded}`).getByRole('button', { name: 'Discard' }).click();
    const confirm = page.getByRole('button', { name: 'Confirm discard' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel('Reason for discarding').fill('price list 3 was withdrawn');
    await confirm.click();
    await page.getByTestId(`dead-letter-${discarded}`).waitFor({ state: 'detached' });
    expect(await page.getByText('No rejected entries').count()).toBe(1);

    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByTestId('sync-queue-depth').textContent(), { timeout: 30_000 }).toBe('0');
    const audit = auditEntries();
    expect(audit).toContainEqual(expect.objectContaining({ event: 'technician.retry-dead-letter', userId: 'technician', entryId: retried, uploaded: true }));
    expect(audit).toContainEqual(expect.objectContaining({ event: 'technician.discard-dead-letter', userId: 'technician', entryId: discarded, reason: 'price list 3 was withdrawn', uploaded: true }));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Test print on the simulated receipt printer shows the result, and the simulator printed it', async () => {
    const { page, problems } = await openConsole('en');
    const row = page.getByTestId('device-receiptPrinter');
    expect(await row.textContent()).toContain('Receipt printer');
    await row.getByRole('button', { name: 'Test print' }).click();
    await expect.poll(() => page.getByTestId('test-print-result-receiptPrinter').textContent(), { timeout: 30_000 }).toBe('Test receipt printed');
    const pages = readdirSync(join(terminal.dataDir, 'simulated-printer')).filter((name) => name.endsWith('.txt'));
    expect(pages.map((name) => readFileSync(join(terminal.dataDir, 'simulated-printer', name), 'utf8')).some((text) => text.includes('打印测试'))).toBe(true);
    // The simulators are listed among the discovered devices, marked and bound.
    const simulatedPrinter = page.getByTestId('discovered-sim:printer');
    expect(await simulatedPrinter.textContent()).toContain('Simulator');
    expect(await simulatedPrinter.textContent()).toContain('Receipt printer');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Refill: a slot emptied and refilled from the console sells again on the kiosk', async () => {
    const { page, problems } = await openConsole('zh-CN');
    await page.getByTestId('technician-slot-1').waitFor();
    const count = page.getByLabel('货道 1 的数量');
    await count.fill('0');
    await page.getByTestId('technician-slot-1').getByRole('button', { name: '补货' }).click();
    await expect.poll(() => page.getByTestId('technician-slot-1-stock').textContent()).toBe('0 / 10');
    expect(await page.getByTestId('technician-slot-1').textContent()).toContain('停售：无货');

    const kiosk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await kiosk.goto(terminal.pageUrl);
    await expect.poll(() => kiosk.getByTestId('kiosk-attract').getAttribute('data-kiosk-state'), { timeout: 30_000 }).toBe('ready');
    await kiosk.getByTestId('kiosk-attract').click();
    expect(await kiosk.getByTestId('slot-1').isDisabled()).toBe(true);

    await count.fill('5');
    await page.getByTestId('technician-slot-1').getByRole('button', { name: '补货' }).click();
    await expect.poll(() => page.getByTestId('technician-slot-1-stock').textContent()).toBe('5 / 10');
    expect(await page.getByTestId('vending-notice').textContent()).toBe('货道 1 现有 5 件');
    await screenshotConsole(page, 'zh-CN');

    // The kiosk screen follows the refill without a reload, and sells the slot.
    await expect.poll(() => kiosk.getByTestId('slot-1').isDisabled(), { timeout: 30_000 }).toBe(false);
    await kiosk.getByTestId('slot-1').click();
    await kiosk.getByTestId('payment-qr').waitFor({ timeout: 30_000 });
    const open = await call<{ payments: PaymentView[] }>('payment.open', {});
    const payment = open.payments.find((candidate) => candidate.state === 'awaiting');
    const sandbox = JSON.parse(readFileSync(join(terminal.dataDir, 'runtime', 'sandbox-backend.json'), 'utf8')) as { url: string };
    expect(await sandboxWalletFor(sandbox.url, terminal.dataDir).payQr({ qrContent: payment?.qrContent ?? '', behaviour: 'pay' })).toMatchObject({ outcome: 'paid' });
    await expect.poll(() => kiosk.getByTestId('vend-progress').getAttribute('data-state'), { timeout: 30_000 }).toBe('dispensed');
    expect((await call<CatalogView>('catalog.get', {})).slots.find((slot) => slot.slot === 1)?.stock).toBe(4);
    const refills = auditEntries().filter((entry) => entry.event === 'technician.refill');
    expect(refills).toHaveLength(2);
    expect(refills.every((entry) => entry.userId === 'technician')).toBe(true);
    expect(problems).toEqual([]);
    await kiosk.close();
    await page.close();
  });

  it('Export logs downloads one .tar.gz', async () => {
    const { page } = await openConsole('en');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export logs' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^terminal-T-001-\d{8}T\d{6}\.tar\.gz$/);
    const saved = join(terminal.dataDir, file.suggestedFilename());
    await file.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await page.close();
  });
});
