import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEmvMpm } from '../../../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { openBackendDatabase } from '../../../../backend/storage/backend-database.js';
import { billNumberFor, SandboxWalletProvider } from '../../../../backend/acquirers/sandbox/sandbox-wallet-provider.js';
import { FakeClock } from '../../../support/fake-clock.js';

let dir: string;
let db: Database.Database;
let clock: FakeClock;
let sandbox: SandboxWalletProvider;
const sleeps: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-provider-'));
  db = openBackendDatabase(join(dir, 'backend.sqlite'));
  clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  sleeps.length = 0;
  sandbox = new SandboxWalletProvider({ db, clock, responseDelayMs: 250, sleep: async (ms) => void sleeps.push(ms) });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const order = (paymentId: string, amountMinor = 1250) => ({ paymentId, amountMinor, currency: 'CNY' as const, description: 'Order 1', terminalId: 'T-1', terminalLabel: 'Kiosk 3', expiresAtMs: clock.nowMs() + 60_000 });

describe('billNumberFor', () => {
  it('keeps short ids, packs UUIDs into 22 characters and refuses other long ids', () => {
    expect(billNumberFor('pay-0001')).toBe('pay-0001');
    expect(billNumberFor('00000000-0000-4000-8000-000000000001')).toBe('AAAAAAAAQACAAAAAAAAAAQ');
    expect(() => billNumberFor('x'.repeat(26))).toThrow(/longer than 25/);
  });
});

describe('SandboxWalletProvider', () => {
  it('creates one QR per order number and delays every answer by the configured time', async () => {
    const first = await sandbox.createMerchantPresented(order('pay-0001'));
    const again = await sandbox.createMerchantPresented(order('pay-0001'));
    expect(again).toEqual(first);
    expect(sleeps).toEqual([250, 250]);
    if (first.outcome !== 'created') throw new Error('not created');
    const decoded = decodeEmvMpm(first.qrContent);
    expect(decoded).toMatchObject({ valid: true, pointOfInitiation: '12', amountMinor: 1250 });
    expect(decoded.additionalData).toMatchObject({ billNumber: 'pay-0001', terminalLabel: 'Kiosk 3' });
    expect(await sandbox.createMerchantPresented(order('pay-0001', 1300))).toMatchObject({ outcome: 'failed', failure: { code: 'sandbox.order-mismatch' } });
  });

  it('reports an unscanned QR as not found, like a real acquirer, then paid once the wallet pays', async () => {
    const created = await sandbox.createMerchantPresented(order('pay-0002'));
    if (created.outcome !== 'created') throw new Error('not created');
    expect(await sandbox.query('pay-0002')).toEqual({ outcome: 'not-found' });
    expect(sandbox.walletPays({ qrContent: created.qrContent })).toMatchObject({ outcome: 'paid', paymentId: 'pay-0002' });
    expect(await sandbox.query('pay-0002')).toMatchObject({ outcome: 'found', status: 'paid' });
    expect(await sandbox.close('pay-0002')).toMatchObject({ outcome: 'paid' });
  });

  it('refuses a QR whose amount was altered (the CRC is recomputed, the order is not)', async () => {
    const created = await sandbox.createMerchantPresented(order('pay-0003', 1250));
    if (created.outcome !== 'created') throw new Error('not created');
    const forged = (await sandbox.createMerchantPresented({ ...order('pay-0004', 1), paymentId: 'pay-0004' })) as { qrContent: string };
    const swapped = forged.qrContent.replace('pay-0004', 'pay-0003');
    const { crc16Hex } = await import('../../../../kernel/crc16-ccitt-false.js');
    const withCrc = `${swapped.slice(0, -4)}${crc16Hex(swapped.slice(0, -4))}`;
    expect(sandbox.walletPays({ qrContent: withCrc })).toEqual({ error: 'the amount in the QR code does not match the order' });
  });

  it('refunds once per refund id and never beyond the paid amount', async () => {
    const code = sandbox.issueCustomerCode({ balanceMinor: 5000 });
    expect(await sandbox.payWithCustomerCode({ ...order('pay-0005', 1000), code: code.code })).toMatchObject({ outcome: 'paid' });
    const refund = { paymentId: 'pay-0005', refundId: 'refund-1', amountMinor: 600, paymentAmountMinor: 1000, currency: 'CNY' as const, reason: null };
    expect(await sandbox.refund(refund)).toMatchObject({ outcome: 'refunded' });
    expect(await sandbox.refund(refund)).toMatchObject({ outcome: 'refunded' });
    expect(sandbox.codeBalanceMinor(code.code)).toBe(4600);
    expect(await sandbox.refund({ ...refund, refundId: 'refund-2', amountMinor: 401 })).toMatchObject({ outcome: 'failed', failure: { code: 'sandbox.refund-amount-exceeded' } });
  });

  it('a reverse of an order it never saw leaves a closed tombstone, so a late pay cannot succeed', async () => {
    expect(await sandbox.reverse('pay-0006')).toEqual({ outcome: 'reversed', action: 'close' });
    const code = sandbox.issueCustomerCode({});
    expect(await sandbox.payWithCustomerCode({ ...order('pay-0006'), code: code.code })).toMatchObject({ outcome: 'failed', failure: { code: 'sandbox.trade-closed' } });
  });

  it('a customer code expires after an hour', async () => {
    const code = sandbox.issueCustomerCode({});
    clock.jumpWallClock(60 * 60 * 1000);
    expect(await sandbox.payWithCustomerCode({ ...order('pay-0007'), code: code.code })).toMatchObject({ outcome: 'failed', failure: { code: 'sandbox.code-invalid' } });
  });
});
