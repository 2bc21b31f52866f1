/**
 * The Alipay face-to-face provider against a local fake gateway (test/support/alipay-fake-gateway.ts)
 * that verifies every request signature and signs its answers like Alipay. Time is a settable
 * clock and the cancel back-off an injected sleep, so nothing here waits for real except the one
 * hang test (a 300 ms request timeout).
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alipayNotificationSignContent } from '../../../../backend/acquirers/alipay/alipay-signature.js';
import { AlipayFaceToFaceProvider, type AlipayFaceToFaceConfig, alipayTimestamp, parseAlipayTimestamp } from '../../../../backend/acquirers/alipay/alipay-face-to-face-provider.js';
import { paymentResponseSchema, refundResponseSchema } from '../../../../sync/protocol/backend-api.js';
import { AlipayFakeGateway, generateRsaKeyPair, type RecordedRequest, type RsaKeyPair } from '../../../support/alipay-fake-gateway.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { startBackendFixture } from '../../backend-harness.js';

const appId = '2021000123456789';
const notifyUrl = 'https://backend.example/notify/alipay';
const paymentId = '3f2b8c1e-9a4d-4e6f-8b21-0c5d7e9f1a23';
const alipayCode = '284436729184637291';

let merchantKeys: RsaKeyPair;
let gatewayKeys: RsaKeyPair;
let foreignKeys: RsaKeyPair;
beforeAll(() => {
  merchantKeys = generateRsaKeyPair();
  gatewayKeys = generateRsaKeyPair();
  foreignKeys = generateRsaKeyPair();
});

let clock: FakeClock;
let gateway: AlipayFakeGateway;
let sleeps: number[];

beforeEach(async () => {
  // 2026-11-25 12:00:00 UTC = 20:00:00 in Beijing.
  clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  gateway = await AlipayFakeGateway.start({ appId, appPublicKeyPem: merchantKeys.publicKeyPem, nowMs: () => clock.nowMs(), gatewayKeys, foreignKeys });
  sleeps = [];
});
afterEach(async () => {
  await gateway.close();
});

function provider(overrides: Partial<AlipayFaceToFaceConfig> = {}): AlipayFaceToFaceProvider {
  return new AlipayFaceToFaceProvider({
    config: { gatewayUrl: gateway.url, appId, appPrivateKey: merchantKeys.privateKeyPem, alipayPublicKey: gateway.keys.publicKeyPem, notifyUrl, ...overrides },
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.jumpWallClock(ms);
    },
  });
}

const order = { paymentId, amountMinor: 1250, currency: 'CNY' as const, description: 'Order 000123 牛肉面 & 汤=1+1', terminalId: 'T-0001', terminalLabel: 'Counter 1' };
const pay = (p: AlipayFaceToFaceProvider, code = alipayCode, id = paymentId) => p.payWithCustomerCode({ ...order, paymentId: id, code });

function only(method: string): RecordedRequest {
  const requests = gateway.requestsFor(method);
  expect(requests).toHaveLength(1);
  return requests[0] as RecordedRequest;
}

/** Every request the gateway saw verified with the merchant's public key and had the common params. */
function expectAllSignedCorrectly(): void {
  expect(gateway.requests.length).toBeGreaterThan(0);
  for (const request of gateway.requests) {
    expect(request.signatureValid).toBe(true);
    expect(request.params).toMatchObject({ app_id: appId, format: 'JSON', charset: 'utf-8', sign_type: 'RSA2', version: '1.0', timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) });
  }
}

describe('Alipay timestamps', () => {
  it('are yyyy-MM-dd HH:mm:ss in Beijing time (UTC+8), both ways', () => {
    expect(alipayTimestamp(Date.UTC(2026, 10, 25, 12, 0, 0))).toBe('2026-11-25 20:00:00');
    expect(alipayTimestamp(Date.UTC(2026, 10, 25, 17, 30, 5))).toBe('2026-11-26 01:30:05');
    expect(parseAlipayTimestamp('2026-11-26 01:30:05')).toBe(Date.UTC(2026, 10, 25, 17, 30, 5));
    expect(parseAlipayTimestamp('2026-11-26T01:30:05')).toBeNull();
  });
});

describe('merchant-presented (alipay.trade.precreate)', () => {
  it('returns the qr_code with an expiry in whole minutes, from a correctly signed request', async () => {
    const result = await provider().createMerchantPresented({ ...order, expiresAtMs: clock.nowMs() + 150_000 });
    expect(result).toEqual({ outcome: 'created', qrContent: expect.stringMatching(/^https:\/\/qr\.alipay\.com\//), expiresAtMs: clock.nowMs() + 120_000, providerTradeId: null });
    const request = only('alipay.trade.precreate');
    expectAllSignedCorrectly();
    expect(request.params['timestamp']).toBe('2026-11-25 20:00:00');
    expect(request.params['notify_url']).toBe(notifyUrl);
    expect(request.biz).toEqual({
      out_trade_no: paymentId,
      total_amount: '12.50',
      subject: 'Order 000123 牛肉面 & 汤=1+1',
      terminal_id: 'T-0001',
      timeout_express: '2m',
      qr_code_timeout_express: '2m',
    });
  });

  it('before a scan: query and close say "order not exist", read as not-found (closed before scan)', async () => {
    const alipay = provider();
    await alipay.createMerchantPresented({ ...order, expiresAtMs: clock.nowMs() + 120_000 });
    expect(await alipay.query(paymentId)).toEqual({ outcome: 'not-found' });
    expect(await alipay.close(paymentId)).toEqual({ outcome: 'not-found' });
    expect(gateway.requestsFor('alipay.trade.close')[0]?.biz).toEqual({ out_trade_no: paymentId });
    expectAllSignedCorrectly();
  });

  it('scanned: WAIT_BUYER_PAY is waiting, then TRADE_SUCCESS is paid; closing a paid order reports paid', async () => {
    const alipay = provider();
    await alipay.createMerchantPresented({ ...order, expiresAtMs: clock.nowMs() + 120_000 });
    gateway.customerScans(paymentId);
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'waiting', paidAtMs: null });
    gateway.customerPays(paymentId);
    const tradeNo = gateway.trades.get(paymentId)?.tradeNo;
    expect(await alipay.query(paymentId)).toEqual({ outcome: 'found', status: 'paid', providerTradeId: tradeNo, paidAtMs: clock.nowMs(), refundedMinor: null });
    expect(await alipay.close(paymentId)).toEqual({ outcome: 'paid', providerTradeId: tradeNo, paidAtMs: clock.nowMs() });
  });

  it('a precreate answer dropped after Alipay committed is unknown; the replay returns the same QR, another amount is refused', async () => {
    gateway.script('alipay.trade.precreate', { kind: 'drop', commit: true });
    const alipay = provider();
    const expiresAtMs = clock.nowMs() + 120_000;
    expect(await alipay.createMerchantPresented({ ...order, expiresAtMs })).toMatchObject({ outcome: 'unknown' });
    const replay = await alipay.createMerchantPresented({ ...order, expiresAtMs });
    expect(replay).toMatchObject({ outcome: 'created', qrContent: expect.stringMatching(/^https:\/\/qr\.alipay\.com\//) });
    expect(gateway.trades.size).toBe(1);
    expect(await alipay.createMerchantPresented({ ...order, amountMinor: 1300, expiresAtMs })).toMatchObject({ outcome: 'failed', failure: { code: 'ACQ.CONTEXT_INCONSISTENT' } });
    gateway.customerPays(paymentId);
    expect(await alipay.createMerchantPresented({ ...order, expiresAtMs })).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('already paid') });
  });

  it('scanned but unpaid: close closes it (TRADE_CLOSED afterwards)', async () => {
    const alipay = provider();
    await alipay.createMerchantPresented({ ...order, expiresAtMs: clock.nowMs() + 120_000 });
    gateway.customerScans(paymentId);
    expect(await alipay.close(paymentId)).toEqual({ outcome: 'closed' });
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'closed' });
  });
});

describe('customer-presented (alipay.trade.pay, scene bar_code)', () => {
  it('10000: paid, with trade_no and gmt_payment; the request carries the code, the amount in yuan and our id', async () => {
    const result = await pay(provider());
    expect(result).toEqual({ outcome: 'paid', providerTradeId: gateway.trades.get(paymentId)?.tradeNo, paidAtMs: clock.nowMs() });
    const request = only('alipay.trade.pay');
    expectAllSignedCorrectly();
    expect(request.params['notify_url']).toBe(notifyUrl);
    expect(request.biz).toEqual({ out_trade_no: paymentId, total_amount: '12.50', subject: 'Order 000123 牛肉面 & 汤=1+1', terminal_id: 'T-0001', scene: 'bar_code', auth_code: alipayCode });
  });

  it('sends seller_id and store_id when configured, and amounts of whole yuan and single fen exactly', async () => {
    const alipay = provider({ sellerId: '2088102146225135', storeId: 'SH-001' });
    await alipay.payWithCustomerCode({ ...order, amountMinor: 100_001, code: alipayCode });
    await alipay.payWithCustomerCode({ ...order, paymentId: 'p-2', amountMinor: 1, code: alipayCode });
    expect(gateway.requestsFor('alipay.trade.pay').map((request) => request.biz)).toEqual([
      expect.objectContaining({ total_amount: '1000.01', seller_id: '2088102146225135', store_id: 'SH-001' }),
      expect.objectContaining({ total_amount: '0.01', out_trade_no: 'p-2' }),
    ]);
  });

  it('10003 then paid after 2 queries: user-paying, waiting, paid (the caller polls every ~5 s)', async () => {
    gateway.script('alipay.trade.pay', { kind: 'user-paying', paidAfterQueries: 2 });
    const alipay = provider();
    expect(await pay(alipay)).toEqual({ outcome: 'user-paying', providerTradeId: gateway.trades.get(paymentId)?.tradeNo });
    clock.jumpWallClock(5_000);
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'waiting' });
    clock.jumpWallClock(5_000);
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid', paidAtMs: clock.nowMs() });
    expect(gateway.requestsFor('alipay.trade.query').map((request) => request.biz)).toEqual([{ out_trade_no: paymentId }, { out_trade_no: paymentId }]);
    expect(gateway.requestsFor('alipay.trade.cancel')).toHaveLength(0);
  });

  it('10003 forever: 5 queries stay waiting, then cancel closes the order and a late pay cannot succeed', async () => {
    gateway.script('alipay.trade.pay', { kind: 'user-paying', paidAfterQueries: null });
    const alipay = provider();
    expect(await pay(alipay)).toMatchObject({ outcome: 'user-paying' });
    for (let poll = 0; poll < 5; poll += 1) {
      clock.jumpWallClock(5_000);
      expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'waiting' });
    }
    expect(await alipay.reverse(paymentId)).toEqual({ outcome: 'reversed', action: 'close' });
    expect(only('alipay.trade.cancel').biz).toEqual({ out_trade_no: paymentId });
    expect(gateway.trades.get(paymentId)?.status).toBe('TRADE_CLOSED');
    expect(await pay(alipay)).toMatchObject({ outcome: 'failed', failure: { code: 'ACQ.TRADE_HAS_CLOSE' } });
    expect(sleeps).toEqual([]);
  });

  it('20000 (service unavailable): unknown, never paid or failed; the query finds nothing and cancel closes it', async () => {
    gateway.script('alipay.trade.pay', { kind: 'answer', code: '20000', msg: 'Service Currently Unavailable', subCode: 'aop.unknow-error', subMsg: '系统繁忙' });
    const alipay = provider();
    const result = await pay(alipay);
    expect(result.outcome).toBe('unknown');
    expect(result).toMatchObject({ message: expect.stringContaining('20000') });
    expect(await alipay.query(paymentId)).toEqual({ outcome: 'not-found' });
    expect(await alipay.reverse(paymentId)).toEqual({ outcome: 'reversed', action: 'close' });
  });

  it('40004 ACQ.SYSTEM_ERROR: unknown; a later query says paid', async () => {
    gateway.script('alipay.trade.pay', { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.SYSTEM_ERROR', subMsg: '系统错误' });
    const alipay = provider();
    expect(await pay(alipay)).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('ACQ.SYSTEM_ERROR') });
    gateway.trades.set(paymentId, { outTradeNo: paymentId, tradeNo: 'T1', flow: 'pay', amountMinor: 1250, scanned: true, status: 'TRADE_SUCCESS', queriesUntilPaid: null, refundedMinor: 0, refunds: new Map(), fundChanges: 0 });
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid', providerTradeId: 'T1' });
  });

  it('40004 with another sub_code is a definite failure carrying it (invalid code, insufficient balance)', async () => {
    const alipay = provider();
    expect(await pay(alipay, '123456')).toEqual({ outcome: 'failed', failure: { code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', message: expect.stringContaining('40004 Business Failed (ACQ.PAYMENT_AUTH_CODE_INVALID)') } });
    gateway.script('alipay.trade.pay', { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', subMsg: '买家余额不足' });
    expect(await pay(alipay, alipayCode, 'p-2')).toMatchObject({ outcome: 'failed', failure: { code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' } });
  });

  it('a repeated pay for an order already paid (ACQ.TRADE_HAS_SUCCESS) is unknown, resolved by query, never a failure', async () => {
    const alipay = provider();
    await pay(alipay);
    expect(await pay(alipay)).toMatchObject({ outcome: 'unknown' });
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid' });
  });

  it('a badly signed answer is unknown even though the gateway took the money; the query then says paid', async () => {
    gateway.script('alipay.trade.pay', { kind: 'bad-signature' });
    const alipay = provider();
    expect(await pay(alipay)).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('bad-signature') });
    expect(gateway.trades.get(paymentId)?.status).toBe('TRADE_SUCCESS');
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid' });
  });

  it('an answer that does not verify with the configured Alipay public key is unknown, for every method', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const alipay = provider({ alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    expect((await pay(alipay)).outcome).toBe('unknown');
    expect((await alipay.query(paymentId)).outcome).toBe('unknown');
    expect((await alipay.refund({ paymentId, refundId: 'r-1', amountMinor: 100, paymentAmountMinor: 1250, currency: 'CNY', reason: null })).outcome).toBe('unknown');
    expect((await alipay.createMerchantPresented({ ...order, paymentId: 'p-3', expiresAtMs: clock.nowMs() + 60_000 })).outcome).toBe('unknown');
  });

  it('a hung gateway: unknown after the request timeout', async () => {
    gateway.script('alipay.trade.pay', { kind: 'hang', commit: false });
    const result = await pay(provider({ requestTimeoutMs: 300 }));
    expect(result).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('no answer within 300 ms') });
  });

  it('a gateway that commits then drops the connection: unknown; the query finds it paid (never re-charged)', async () => {
    gateway.script('alipay.trade.pay', { kind: 'drop', commit: true });
    const alipay = provider();
    expect(await pay(alipay)).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('connection failed') });
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid' });
    expect(gateway.requestsFor('alipay.trade.pay')).toHaveLength(1);
  });

  it('an HTTP 502 page, a truncated body and an unsigned answer are unknown; a 10000 for another order is not believed', async () => {
    const alipay = provider();
    gateway.script(
      'alipay.trade.pay',
      { kind: 'raw', commit: true, status: 502, body: '<html>Bad Gateway</html>' },
      { kind: 'raw', commit: false, status: 200, body: '{"alipay_trade_pay_response":{"code":"10000","msg":"Success","out_trade_no":"' },
      { kind: 'raw', commit: false, status: 200, body: '{"alipay_trade_pay_response":{"code":"40004","msg":"Business Failed","sub_code":"ACQ.PAYMENT_AUTH_CODE_INVALID"}}' },
      { kind: 'answer', code: '10000', msg: 'Success', extra: { out_trade_no: 'someone-else', trade_no: 'T9', total_amount: '12.50' } },
    );
    expect(await pay(alipay)).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('HTTP 502') });
    expect(await pay(alipay, alipayCode, 'p-2')).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('malformed-body') });
    expect(await pay(alipay, alipayCode, 'p-3')).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('missing-sign') });
    expect(await pay(alipay, alipayCode, 'p-4')).toMatchObject({ outcome: 'unknown', message: expect.stringContaining('another order') });
    expect(await alipay.query(paymentId)).toMatchObject({ outcome: 'found', status: 'paid' });
  });

  it('a request signed with the wrong app key is refused by the gateway (40002 isv.invalid-signature): a definite failure', async () => {
    const result = await pay(provider({ appPrivateKey: generateRsaKeyPair().privateKeyPem }));
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'isv.invalid-signature' } });
    expect(only('alipay.trade.pay').signatureValid).toBe(false);
    expect(gateway.trades.size).toBe(0);
  });

  it('a connection refused (no gateway listening) is unknown', async () => {
    const url = gateway.url;
    await gateway.close();
    gateway = await AlipayFakeGateway.start({ appId, appPublicKeyPem: merchantKeys.publicKeyPem, nowMs: () => clock.nowMs(), gatewayKeys, foreignKeys });
    expect(await pay(provider({ gatewayUrl: url }))).toMatchObject({ outcome: 'unknown' });
  });
});

describe('cancel (alipay.trade.cancel)', () => {
  it('retry_flag=Y twice then success: three calls 2 s apart, reversed', async () => {
    const retry = { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.SYSTEM_ERROR', subMsg: '系统错误', extra: { retry_flag: 'Y' } } as const;
    gateway.script('alipay.trade.pay', { kind: 'user-paying', paidAfterQueries: null });
    gateway.script('alipay.trade.cancel', retry, retry);
    const alipay = provider();
    await pay(alipay);
    expect(await alipay.reverse(paymentId)).toEqual({ outcome: 'reversed', action: 'close' });
    expect(gateway.requestsFor('alipay.trade.cancel')).toHaveLength(3);
    expect(sleeps).toEqual([2_000, 2_000]);
    expectAllSignedCorrectly();
  });

  it('retry_flag=Y every time: four calls (1 + 3 retries), then unknown and retryable', async () => {
    const retry = { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.SYSTEM_ERROR', extra: { retry_flag: 'Y' } } as const;
    gateway.script('alipay.trade.cancel', retry, retry, retry, retry, retry);
    const result = await provider().reverse(paymentId);
    expect(result).toMatchObject({ outcome: 'unknown', retryable: true, message: expect.stringContaining('retry_flag=Y') });
    expect(gateway.requestsFor('alipay.trade.cancel')).toHaveLength(4);
    expect(sleeps).toEqual([2_000, 2_000, 2_000]);
  });

  it('no answer at all is retried too; a definite refusal with retry_flag=N is not', async () => {
    gateway.script('alipay.trade.cancel', { kind: 'drop', commit: false }, { kind: 'normal' });
    expect(await provider().reverse(paymentId)).toEqual({ outcome: 'reversed', action: 'close' });
    expect(sleeps).toEqual([2_000]);
    gateway.script('alipay.trade.cancel', { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.REASON_TRADE_BEEN_FREEZEN', extra: { retry_flag: 'N' } });
    expect(await provider().reverse('p-9')).toMatchObject({ outcome: 'failed', failure: { code: 'ACQ.REASON_TRADE_BEEN_FREEZEN' } });
    expect(sleeps).toEqual([2_000]);
  });

  it('a paid order is refunded by cancel (action refund)', async () => {
    const alipay = provider();
    await pay(alipay);
    expect(await alipay.reverse(paymentId)).toEqual({ outcome: 'reversed', action: 'refund' });
    expect(await alipay.query(paymentId)).toMatchObject({ status: 'closed' });
  });
});

describe('refunds (alipay.trade.refund)', () => {
  it('partial refunds by out_request_no: a repeat refunds once, more than paid is refused, the rest closes the trade', async () => {
    const alipay = provider();
    await pay(alipay);
    const refund = (refundId: string, amountMinor: number) => alipay.refund({ paymentId, refundId, amountMinor, paymentAmountMinor: 1250, currency: 'CNY', reason: 'cold noodles' });
    expect(await refund('r-1', 300)).toEqual({ outcome: 'refunded', refundedAtMs: clock.nowMs() });
    expect(await refund('r-1', 300)).toEqual({ outcome: 'refunded', refundedAtMs: clock.nowMs() });
    const trade = gateway.trades.get(paymentId);
    expect(trade).toMatchObject({ refundedMinor: 300, fundChanges: 1 });
    expect(await refund('r-2', 1000)).toMatchObject({ outcome: 'failed', failure: { code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' } });
    expect(await refund('r-3', 950)).toMatchObject({ outcome: 'refunded' });
    expect(trade).toMatchObject({ refundedMinor: 1250, fundChanges: 2, status: 'TRADE_CLOSED' });
    expect(gateway.requestsFor('alipay.trade.refund').map((request) => request.biz)).toEqual([
      { out_trade_no: paymentId, refund_amount: '3.00', out_request_no: 'r-1', refund_reason: 'cold noodles' },
      { out_trade_no: paymentId, refund_amount: '3.00', out_request_no: 'r-1', refund_reason: 'cold noodles' },
      { out_trade_no: paymentId, refund_amount: '10.00', out_request_no: 'r-2', refund_reason: 'cold noodles' },
      { out_trade_no: paymentId, refund_amount: '9.50', out_request_no: 'r-3', refund_reason: 'cold noodles' },
    ]);
    expectAllSignedCorrectly();
  });

  it('ACQ.SYSTEM_ERROR or a dropped answer is unknown; the retry with the same out_request_no refunds once', async () => {
    const alipay = provider();
    await pay(alipay);
    gateway.script('alipay.trade.refund', { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.SYSTEM_ERROR' }, { kind: 'drop', commit: true });
    const request = { paymentId, refundId: 'r-1', amountMinor: 500, paymentAmountMinor: 1250, currency: 'CNY' as const, reason: null };
    expect((await alipay.refund(request)).outcome).toBe('unknown');
    expect((await alipay.refund(request)).outcome).toBe('unknown');
    expect(await alipay.refund(request)).toMatchObject({ outcome: 'refunded' });
    expect(gateway.trades.get(paymentId)).toMatchObject({ refundedMinor: 500, fundChanges: 1 });
    expect(gateway.requestsFor('alipay.trade.refund')[0]?.biz).toEqual({ out_trade_no: paymentId, refund_amount: '5.00', out_request_no: 'r-1' });
  });
});

describe('async notifications', () => {
  function notification(fields: Record<string, string>, signWith = gateway.keys.privateKeyPem): string {
    const params = { notify_type: 'trade_status_sync', notify_id: 'ac05099524730693a8b330c5ecf72da9786', app_id: appId, charset: 'utf-8', version: '1.0', sign_type: 'RSA2', ...fields };
    const sign = createSign('RSA-SHA256').update(alipayNotificationSignContent(params), 'utf8').sign(signWith, 'base64');
    return new URLSearchParams({ ...params, sign }).toString();
  }
  const paidFields = { out_trade_no: paymentId, trade_no: '2026112522001400001', trade_status: 'TRADE_SUCCESS', total_amount: '12.50', gmt_payment: '2026-11-25 20:00:07', notify_time: '2026-11-25 20:00:08' };
  const form = 'application/x-www-form-urlencoded; charset=utf-8';

  it('verifies a trade_status_sync signed by Alipay and answers "success"', async () => {
    expect(await provider().parseNotification({ contentType: form, body: notification(paidFields) })).toEqual({
      outcome: 'verified',
      paymentId,
      status: 'paid',
      providerTradeId: '2026112522001400001',
      paidAtMs: Date.UTC(2026, 10, 25, 12, 0, 7),
      acknowledgement: 'success',
    });
  });

  it('rejects a tampered amount, a foreign signer, another app id, another seller and a non-form body', async () => {
    const alipay = provider({ sellerId: '2088102146225135' });
    const good = notification({ ...paidFields, seller_id: '2088102146225135' });
    expect((await alipay.parseNotification({ contentType: form, body: good })).outcome).toBe('verified');
    expect(await alipay.parseNotification({ contentType: form, body: good.replace('total_amount=12.50', 'total_amount=0.01') })).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('bad-signature') });
    expect((await alipay.parseNotification({ contentType: form, body: notification({ ...paidFields, seller_id: '2088102146225135' }, merchantKeys.privateKeyPem) })).outcome).toBe('rejected');
    expect((await alipay.parseNotification({ contentType: form, body: notification({ ...paidFields, seller_id: '2088102146225135', app_id: '2021000999999999' }) })).outcome).toBe('rejected');
    expect((await alipay.parseNotification({ contentType: form, body: notification({ ...paidFields, seller_id: '2088000000000000' }) })).outcome).toBe('rejected');
    expect((await alipay.parseNotification({ contentType: 'application/json', body: '{}' })).outcome).toBe('rejected');
  });
});

describe('through the reference backend', () => {
  let fixture: Awaited<ReturnType<typeof startBackendFixture>> | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  async function alipayBackend() {
    const alipay = new AlipayFaceToFaceProvider({
      config: { gatewayUrl: gateway.url, appId, appPrivateKey: merchantKeys.privateKeyPem, alipayPublicKey: gateway.keys.publicKeyPem },
      clock: { nowMs: () => (fixture ? fixture.clock.nowMs() : clock.nowMs()) },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    fixture = await startBackendFixture({ providers: [alipay], sandbox: undefined });
    return { fixture, client: await fixture.enrollTerminal('Counter 1') };
  }

  it('an Alipay pay whose answer is dropped after the charge stays unknown, and the next GET resolves it to paid by query', async () => {
    const { client } = await alipayBackend();
    gateway.script('alipay.trade.pay', { kind: 'drop', commit: true });
    const created = await client.request('POST', '/v1/payments/customer-presented', { paymentId, amountMinor: 1250, currency: 'CNY', code: alipayCode });
    expect(created.status).toBe(201);
    expect(paymentResponseSchema.parse(created.json).payment).toMatchObject({ provider: 'alipay', status: 'unknown', failureCode: 'provider.unknown' });
    const fetched = await client.request('GET', `/v1/payments/${paymentId}`);
    expect(paymentResponseSchema.parse(fetched.json).payment).toMatchObject({ status: 'paid' });
    expect(gateway.requestsFor('alipay.trade.pay')).toHaveLength(1);
  });

  it('an Alipay payment still user-paying after the polls is cancelled through the backend (retry_flag=Y once)', async () => {
    const { client } = await alipayBackend();
    gateway.script('alipay.trade.pay', { kind: 'user-paying', paidAfterQueries: null });
    gateway.script('alipay.trade.cancel', { kind: 'answer', code: '40004', msg: 'Business Failed', subCode: 'ACQ.SYSTEM_ERROR', extra: { retry_flag: 'Y' } });
    const created = await client.request('POST', '/v1/payments/customer-presented', { paymentId, amountMinor: 1250, currency: 'CNY', code: alipayCode });
    expect(paymentResponseSchema.parse(created.json).payment.status).toBe('user-paying');
    for (let poll = 0; poll < 5; poll += 1) {
      fixture?.clock.jumpWallClock(5_000);
      expect(paymentResponseSchema.parse((await client.request('GET', `/v1/payments/${paymentId}`)).json).payment.status).toBe('user-paying');
    }
    const cancelled = await client.request('POST', `/v1/payments/${paymentId}/cancel`, {});
    expect(paymentResponseSchema.parse(cancelled.json).payment.status).toBe('closed');
    expect(gateway.requestsFor('alipay.trade.cancel')).toHaveLength(2);
    expect(sleeps).toEqual([2_000]);
    expect(gateway.trades.get(paymentId)?.status).toBe('TRADE_CLOSED');
  });

  it('a customer-presented Alipay-range code is paid backend → provider → fake gateway; a QR is paid and confirmed by notify; refunds reach Alipay', async () => {
    const { fixture, client } = await alipayBackend();

    const paid = await client.request('POST', '/v1/payments/customer-presented', { paymentId, amountMinor: 1250, currency: 'CNY', code: alipayCode, description: 'Order 000123' });
    expect(paid.status).toBe(201);
    expect(paymentResponseSchema.parse(paid.json).payment).toMatchObject({ paymentId, provider: 'alipay', status: 'paid', amountMinor: 1250, providerTradeId: gateway.trades.get(paymentId)?.tradeNo });
    expect(only('alipay.trade.pay').biz).toMatchObject({ out_trade_no: paymentId, total_amount: '12.50', auth_code: alipayCode, scene: 'bar_code', terminal_id: client.terminalId.slice(0, 32) });

    const refunded = await client.request('POST', `/v1/payments/${paymentId}/refunds`, { refundId: 'refund-0001', amountMinor: 250, currency: 'CNY' });
    expect(refunded.status).toBe(201);
    expect(refundResponseSchema.parse(refunded.json)).toMatchObject({ refund: { status: 'refunded' }, payment: { refundedMinor: 250 } });
    expect(only('alipay.trade.refund').biz).toMatchObject({ out_trade_no: paymentId, refund_amount: '2.50', out_request_no: 'refund-0001' });

    const qrId = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
    const created = await client.request('POST', '/v1/payments/merchant-presented', { paymentId: qrId, amountMinor: 800, currency: 'CNY', provider: 'alipay', expiresInMs: 120_000 });
    expect(paymentResponseSchema.parse(created.json).payment).toMatchObject({ status: 'pending', qrContent: expect.stringMatching(/^https:\/\/qr\.alipay\.com\//) });
    gateway.customerPays(qrId);
    const params = { notify_type: 'trade_status_sync', notify_id: 'n-1', app_id: appId, charset: 'utf-8', version: '1.0', sign_type: 'RSA2', out_trade_no: qrId, trade_no: gateway.trades.get(qrId)?.tradeNo ?? '', trade_status: 'TRADE_SUCCESS', total_amount: '8.00' };
    const sign = createSign('RSA-SHA256').update(alipayNotificationSignContent(params), 'utf8').sign(gateway.keys.privateKeyPem, 'base64');
    const notified = await fetch(`${fixture.backend.url}/notify/alipay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, sign }).toString() });
    expect(notified.status).toBe(200);
    expect(await notified.text()).toBe('success');
    // The backend confirmed the push with a query before recording paid.
    expect(gateway.requestsFor('alipay.trade.query').map((request) => request.biz['out_trade_no'])).toContain(qrId);
    const fetched = await client.request('GET', `/v1/payments/${qrId}`);
    expect(paymentResponseSchema.parse(fetched.json).payment).toMatchObject({ status: 'paid', provider: 'alipay' });
    expect(gateway.requests.every((request) => request.signatureValid)).toBe(true);
  });
});
