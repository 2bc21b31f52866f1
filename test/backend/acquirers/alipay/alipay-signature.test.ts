/**
 * Alipay RSA2 signing and verification against the official Node.js SDK's published test data,
 * alipay/alipay-sdk-nodejs-all:
 * - test/alipay.test.ts, describe('checkResponseSign') 'should work': a gateway response body and
 *   its sign, verified with test/fixtures/alipay-public-key.pem as of commit bf1c026 (see fixtures/README.md);
 * - test/alipay.test.ts, describe('checkNotifySign'): a real `trade_status_sync` notification
 *   (verified excluding sign_type, with the v1 notify key inlined in that test) and a
 *   `servicemarket_order_notify` (signed with sign_type, v2 notify key fixture), plus their
 *   tampered "verify fail" variants;
 * - test/fixtures/app-private-key.pem / app-public-key.pem for request signing.
 * The SDK publishes no fixed request-signature vector (its util test only checks the sign is not
 * empty), so request signatures are checked here through an independent path: `openssl dgst
 * -sha256 -verify` with the SDK's app public key.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alipayNotificationSignContent,
  alipayRequestSignContent,
  signAlipayRequest,
  signedAlipayRequestParams,
  verifyAlipayNotification,
  verifyAlipayResponse,
} from '../../../../backend/acquirers/alipay/alipay-signature.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'ascii');
const appPrivateKey = fixture('alipay-sdk-nodejs-app-private-key.pem');
const appPublicKey = fixture('alipay-sdk-nodejs-app-public-key.pem');
const alipayPublicKey = fixture('alipay-sdk-nodejs-alipay-public-key.pem');
const notifyPublicKeyV2 = fixture('alipay-sdk-nodejs-notify-public-key-v2.pem');
// Inlined in alipay-sdk-nodejs-all test/alipay.test.ts ("verify sign should delete sign_type"), bare base64 SPKI.
const notifyPublicKeyV1 =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB';

const responseSign =
  'F+LDzpTNiavn7xVZPGuPCSSVRSmWzJGgtuji6tVELGEaqMaNj0jRKXUEr5nloZJBBmwEnddOyCjjepMmrTKTvoOqQ0Efxpr/R1iEeHTHVbb/Q8TTh6Up5gHJDkILdaWS2q1cWeQ6VT+HQY9P3WRXS7uhILHuDODIhpAyCu5KhWGt0rMCIG+Im6NODJP2oohtSCtmTFXg58HH587Z2y2bdbjzOxLvzD9IrU1imghXQ2S/Q+wMIvRk9on6cWnBLkrNvJKapA2ReNGWOwyuASvB9zDVzhMPbR+3mfRGkVDxsq5HYLjBKGskJMXHw0HuugZij6ScRuaLPODhmHwr/pJ9yw==';
const responseBody = `{"alipay_open_file_upload_response":{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"},"sign":"${responseSign}"}`;

// trade_status_sync notification from the SDK test; fund_bill_list arrives as JSON text on the wire
// (the SDK test holds it as an object and JSON.stringify-s it before verifying).
const tradeNotification = {
  gmt_create: '2019-08-15 15:56:22',
  charset: 'utf-8',
  seller_email: 'z97-yuquerevenue@service.aliyun.com',
  subject: '语雀空间 500人规模',
  sign: 'QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==',
  buyer_id: '2088102534368455',
  invoice_amount: '0.10',
  notify_id: '2019081500222155624068450559358070',
  fund_bill_list: '[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]',
  notify_type: 'trade_status_sync',
  trade_status: 'TRADE_SUCCESS',
  receipt_amount: '0.10',
  buyer_pay_amount: '0.10',
  sign_type: 'RSA2',
  app_id: '2019073166072302',
  seller_id: '2088531891668739',
  gmt_payment: '2019-08-15 15:56:24',
  notify_time: '2019-08-15 15:56:25',
  version: '1.0',
  out_trade_no: '20190815155618536-564-57',
  total_amount: '0.10',
  trade_no: '2019081522001468450512505578',
  auth_app_id: '2019073166072302',
  buyer_logon_id: 'xud***@126.com',
  point_amount: '0.00',
};

// servicemarket_order_notify from the SDK test ("verify sign should not delete sign_type").
const serviceMarketNotification = {
  app_id: '2017122801303261',
  charset: 'UTF-8',
  commodity_order_id: '2019030800000018079639',
  contactor: '技术支持测试的公司',
  merchant_pid: '2088721996721370',
  method: 'alipay.open.servicemarket.order.notify',
  name: '技术支持测试的公司',
  notify_id: '2019030800222102023008121054923345',
  notify_time: '2019-03-08 10:20:23',
  notify_type: 'servicemarket_order_notify',
  order_item_num: '1',
  order_ticket: '29b1c37d99ab48c5bd5bdaeaeaefbB37',
  order_time: '2019-03-08 10:20:08',
  phone: '17826894615',
  service_code: '58621634',
  sign: 'MsK5SCw8oqLw4f0hiNSd5OVGXxBY3wnQeT8vn5PklJSZFWSZbK4hQbNvkp4ZezeXQH514cEv0ul6Qow8yh6e6yM06LfEL+EZjcpZ0nxzFGRNQ5qq2AUc1OaXQdk92AGvxh+Iq4NGpPQFBd4D8EBJa3NJd8+czMfQskceosOQFqUtLQMYa5DPs+VpN7VM5BdXjaVIuKn5d9Wm2B9dI9ObIM+YRySDkZZPv14DVmUvcrcqJfOR8aHvtSd7B4l92wUQPQgQKNcOQho7xOHS/Bk+Y74AZL2y7TkNmdDoq9OGsThuF5tDW9rI9nVwXxOtsuB+bstra+W7aw9x9DvkKgdSRw==',
  sign_type: 'RSA2',
  timestamp: '2019-03-08 10:20:23',
  title: '麦禾商城模版',
  total_price: '0.00',
  version: '1.0',
};

const workDir = mkdtempSync(join(tmpdir(), 'alipay-signature-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Independent verification path: OpenSSL's SHA256withRSA over the same bytes. */
function opensslVerifies(content: string, signatureBase64: string, publicKeyPem: string): boolean {
  const contentFile = join(workDir, 'content.txt');
  const signatureFile = join(workDir, 'signature.bin');
  const keyFile = join(workDir, 'key.pem');
  writeFileSync(contentFile, content, 'utf8');
  writeFileSync(signatureFile, Buffer.from(signatureBase64, 'base64'));
  writeFileSync(keyFile, publicKeyPem);
  try {
    return execFileSync('openssl', ['dgst', '-sha256', '-verify', keyFile, '-signature', signatureFile, contentFile], { encoding: 'utf8' }).includes('Verified OK');
  } catch (error) {
    // openssl exits 1 with "Verification failure" on a bad signature: that is a "no", not an error.
    if (error instanceof Error && 'status' in error && error.status === 1) return false;
    throw error;
  }
}

describe('Alipay response verification (raw *_response text)', () => {
  it('verifies the SDK published gateway response', () => {
    const result = verifyAlipayResponse(responseBody, 'alipay.open.file.upload', alipayPublicKey);
    expect(result).toEqual({ ok: true, signedContent: '{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}' });
  });

  it('verifies over the raw text, not a re-serialisation (whitespace and member order kept)', () => {
    const spaced = `{\n  "sign": "${responseSign}",\n  "alipay_open_file_upload_response" : {"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}\n}`;
    expect(verifyAlipayResponse(spaced, 'alipay.open.file.upload', alipayPublicKey).ok).toBe(true);
    const reformatted = responseBody.replace('"code":"10000"', '"code": "10000"');
    expect(verifyAlipayResponse(reformatted, 'alipay.open.file.upload', alipayPublicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a tampered body, a wrong key, a missing sign and non-JSON', () => {
    expect(verifyAlipayResponse(responseBody.replace('CAxAToWB1Js', 'CAxAToWB1Jt'), 'alipay.open.file.upload', alipayPublicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyAlipayResponse(responseBody, 'alipay.open.file.upload', appPublicKey)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyAlipayResponse(responseBody.replace(`,"sign":"${responseSign}"`, ''), 'alipay.open.file.upload', alipayPublicKey)).toMatchObject({ ok: false, reason: 'missing-sign' });
    expect(verifyAlipayResponse(responseBody, 'alipay.trade.pay', alipayPublicKey)).toMatchObject({ ok: false, reason: 'missing-response' });
    expect(verifyAlipayResponse(responseBody.slice(0, 60), 'alipay.open.file.upload', alipayPublicKey)).toMatchObject({ ok: false, reason: 'malformed-body' });
    expect(verifyAlipayResponse('[]', 'alipay.open.file.upload', alipayPublicKey)).toMatchObject({ ok: false, reason: 'malformed-body' });
  });

  it('verifies a response signed over escapes and Chinese text, kept byte for byte', () => {
    const inner = '{"code":"10000","msg":"Success","qr_code":"https:\\/\\/qr.alipay.com\\/bax03431","subject":"\\u5348\\u9910 套餐"}';
    const unrelatedSign = signAlipayRequest({ content: 'x' }, appPrivateKey);
    const goodSign = createSign('RSA-SHA256').update(inner, 'utf8').sign(appPrivateKey, 'base64');
    const body = `{"alipay_trade_precreate_response":${inner},"sign":"${goodSign}"}`;
    expect(verifyAlipayResponse(body, 'alipay.trade.precreate', appPublicKey)).toEqual({ ok: true, signedContent: inner });
    expect(verifyAlipayResponse(body.replace(goodSign, unrelatedSign), 'alipay.trade.precreate', appPublicKey).ok).toBe(false);
  });

  it('verifies error_response when the method member is absent', () => {
    const inner = '{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}';
    const sign = createSign('RSA-SHA256').update(inner, 'utf8').sign(appPrivateKey, 'base64');
    expect(verifyAlipayResponse(`{"error_response":${inner},"sign":"${sign}"}`, 'alipay.trade.query', appPublicKey)).toEqual({ ok: true, signedContent: inner });
  });
});

describe('Alipay notification verification', () => {
  it('verifies the SDK published trade_status_sync notification, excluding sign and sign_type', () => {
    expect(verifyAlipayNotification(tradeNotification, notifyPublicKeyV1).ok).toBe(true);
    const { sign_type: _signType, ...withoutSignType } = tradeNotification;
    expect(verifyAlipayNotification(withoutSignType, notifyPublicKeyV1).ok).toBe(true);
    expect(alipayNotificationSignContent(tradeNotification)).not.toContain('sign_type=');
  });

  it('refuses the notification when any field is changed', () => {
    expect(verifyAlipayNotification({ ...tradeNotification, total_amount: '100.00' }, notifyPublicKeyV1)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyAlipayNotification({ ...tradeNotification, extra: '' }, notifyPublicKeyV1)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyAlipayNotification(tradeNotification, notifyPublicKeyV2)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('verifies the servicemarket notification that signs sign_type, only when told to', () => {
    expect(verifyAlipayNotification(serviceMarketNotification, notifyPublicKeyV2, { signTypeSigned: true }).ok).toBe(true);
    expect(verifyAlipayNotification(serviceMarketNotification, notifyPublicKeyV2).ok).toBe(false);
    // The SDK's "verify fail" case: service_code changed.
    expect(verifyAlipayNotification({ ...serviceMarketNotification, service_code: '58621634111' }, notifyPublicKeyV2, { signTypeSigned: true }).ok).toBe(false);
  });

  it('refuses notifications without a sign or with the SHA1 RSA sign type', () => {
    const { sign: _sign, ...unsigned } = tradeNotification;
    expect(verifyAlipayNotification(unsigned, notifyPublicKeyV1)).toMatchObject({ ok: false, reason: 'missing-sign' });
    expect(verifyAlipayNotification({ ...tradeNotification, sign_type: 'RSA' }, notifyPublicKeyV1)).toMatchObject({ ok: false, reason: 'unsupported-sign-type' });
    expect(verifyAlipayNotification({ ...tradeNotification, sign: 'not base64!' }, notifyPublicKeyV1)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});

describe('Alipay request signing', () => {
  const request = {
    app_id: '2014072300007148',
    method: 'alipay.trade.pay',
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: '2026-11-25 20:30:00',
    version: '1.0',
    notify_url: '',
    biz_content: '{"out_trade_no":"P-0001","scene":"bar_code","auth_code":"28763443825664394","subject":"午餐","total_amount":"12.50"}',
  };

  it('signs the sorted k=v content of every non-empty param except sign, sign_type included', () => {
    expect(alipayRequestSignContent({ ...request, sign: 'old' })).toBe(
      'app_id=2014072300007148&biz_content={"out_trade_no":"P-0001","scene":"bar_code","auth_code":"28763443825664394","subject":"午餐","total_amount":"12.50"}&charset=utf-8&format=JSON&method=alipay.trade.pay&sign_type=RSA2&timestamp=2026-11-25 20:30:00&version=1.0',
    );
  });

  it('produces a signature OpenSSL verifies with the SDK app public key, and rejects when tampered', () => {
    const sign = signAlipayRequest(request, appPrivateKey);
    const content = alipayRequestSignContent(request);
    expect(opensslVerifies(content, sign, appPublicKey)).toBe(true);
    expect(opensslVerifies(content.replace('12.50', '12.51'), sign, appPublicKey)).toBe(false);
    expect(signedAlipayRequestParams(request, appPrivateKey).sign).toBe(sign);
  });

  it('is deterministic (PKCS#1 v1.5) and ignores an existing sign param', () => {
    expect(signAlipayRequest({ ...request, sign: 'whatever' }, appPrivateKey)).toBe(signAlipayRequest(request, appPrivateKey));
  });

  it('accepts the bare base64 PKCS#8 key form the Alipay console gives', () => {
    const pkcs8 = createPrivateKey(appPrivateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
    const bare = pkcs8.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect(signAlipayRequest(request, bare)).toBe(signAlipayRequest(request, appPrivateKey));
  });
});
