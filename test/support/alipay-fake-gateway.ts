/**
 * A local fake of the Alipay Open Platform gateway (v2, `gateway.do`) for face-to-face payments,
 * on 127.0.0.1 port 0. It does what the real one does with a request:
 *
 * - parses the form, VERIFIES the RSA2 request signature with the merchant's app public key and
 *   answers a bad one with the real shape (`40002 Invalid Arguments`, `isv.invalid-signature`);
 * - keeps trades in memory (precreate orders exist only once scanned, as at Alipay);
 * - signs every answer with its own gateway private key over the raw `*_response` JSON text.
 *
 * Tests script the next answers per method (`script`), to play every result code the terminal handles:
 * 10003 then success after N queries or forever, 20000, 40004 ACQ.SYSTEM_ERROR, other 40004s, a
 * bad signature, a hang, a dropped connection, `retry_flag=Y`. Every request is recorded
 * (`requests`) with its parameters, its parsed `biz_content` and whether its signature verified.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { alipayResponseKey } from '../../backend/acquirers/alipay/alipay-signature.js';
import { formatMinorAsDecimal, parseMajorToMinor } from '../../kernel/money.js';

export interface RsaKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A fresh RSA 2048 key pair (PKCS#8 / SPKI PEM). */
export function generateRsaKeyPair(): RsaKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface RecordedRequest {
  readonly method: string;
  /** Form parameters as received (URL-decoded). */
  readonly params: Readonly<Record<string, string>>;
  /** `biz_content`, parsed. */
  readonly biz: Readonly<Record<string, unknown>>;
  readonly signatureValid: boolean;
}

/** What the gateway does with the next request for a method. */
export type GatewayStep =
  /** The gateway's ordinary behaviour on its trade book. */
  | { readonly kind: 'normal' }
  /** pay only: 10003; the trade is paid after `paidAfterQueries` queries (null: never). */
  | { readonly kind: 'user-paying'; readonly paidAfterQueries: number | null }
  /** Answer with this code (signed), changing nothing. */
  | { readonly kind: 'answer'; readonly code: string; readonly msg: string; readonly subCode?: string; readonly subMsg?: string; readonly extra?: Readonly<Record<string, string>> }
  /** Process normally but sign the answer with a key that is not the gateway's. */
  | { readonly kind: 'bad-signature' }
  /** Process normally (when `commit`) and never answer. */
  | { readonly kind: 'hang'; readonly commit: boolean }
  /** Process normally (when `commit`) and drop the connection without an answer. */
  | { readonly kind: 'drop'; readonly commit: boolean }
  /** Process normally (when `commit`), then answer these exact bytes (a proxy page, truncated JSON). */
  | { readonly kind: 'raw'; readonly commit: boolean; readonly status: number; readonly body: string };

export type FakeTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface FakeTrade {
  readonly outTradeNo: string;
  readonly tradeNo: string;
  readonly flow: 'precreate' | 'pay';
  readonly amountMinor: number;
  /** Precreate orders exist for queries only once a customer scanned them. */
  scanned: boolean;
  status: FakeTradeStatus;
  queriesUntilPaid: number | null;
  refundedMinor: number;
  readonly refunds: Map<string, number>;
  /** Calls of alipay.trade.refund that actually moved money. */
  fundChanges: number;
}

export interface AlipayFakeGatewayOptions {
  readonly appId: string;
  /** The merchant's app public key: verifies request signatures. */
  readonly appPublicKeyPem: string;
  /** Fixed gateway clock: the `gmt_payment` etc. it reports (epoch ms). */
  readonly nowMs: () => number;
  /** The gateway's own key pair and a foreign one (for `bad-signature`); fresh ones when absent (≈0.2 s each). */
  readonly gatewayKeys?: RsaKeyPair;
  readonly foreignKeys?: RsaKeyPair;
}

/** Alipay customer codes: 16–24 digits starting 25–30. */
const authCodePattern = /^(2[5-9]|30)\d{14,22}$/;
const beijingOffsetMs = 8 * 60 * 60 * 1000;
const alipayTime = (epochMs: number) => new Date(epochMs + beijingOffsetMs).toISOString().slice(0, 19).replace('T', ' ');

interface Answer {
  readonly body: Record<string, string>;
}

/**
 * The gateway's own reading of the request sign content (written here independently of
 * alipay-signature.ts, so a bug there cannot hide by agreeing with itself): every parameter but
 * `sign` with a non-empty value, sorted by key (code unit order), `k=v` joined by `&`.
 */
function requestSignContent(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).filter((key) => key !== 'sign' && params[key] !== '');
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((key) => `${key}=${params[key]}`).join('&');
}

const ok = (fields: Record<string, string>): Answer => ({ body: { code: '10000', msg: 'Success', ...fields } });
const businessFailed = (subCode: string, subMsg: string, fields: Record<string, string> = {}): Answer => ({ body: { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...fields } });

export class AlipayFakeGateway {
  readonly requests: RecordedRequest[] = [];
  readonly trades = new Map<string, FakeTrade>();
  /** The gateway's key pair: give `publicKeyPem` to the provider as the Alipay public key. */
  readonly keys: RsaKeyPair;
  private readonly wrongKey: KeyObject;
  private readonly gatewayKey: KeyObject;
  private readonly steps = new Map<string, GatewayStep[]>();
  private readonly hung: ServerResponse[] = [];
  private nextTradeNumber = 1;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: AlipayFakeGatewayOptions,
    keys: RsaKeyPair,
    wrongKey: KeyObject,
    gatewayKey: KeyObject,
  ) {
    this.keys = keys;
    this.wrongKey = wrongKey;
    this.gatewayKey = gatewayKey;
  }

  static async start(options: AlipayFakeGatewayOptions): Promise<AlipayFakeGateway> {
    const keys = options.gatewayKeys ?? generateRsaKeyPair();
    const wrongKey = createPrivateKey((options.foreignKeys ?? generateRsaKeyPair()).privateKeyPem);
    const gatewayKey = createPrivateKey(keys.privateKeyPem);
    const ready: { gateway?: AlipayFakeGateway } = {};
    const server = createServer((request, response) => {
      if (!ready.gateway) throw new Error('the fake gateway is not ready');
      ready.gateway.handle(request, response).catch((error: unknown) => {
        // A fake that breaks answers HTTP 500 (the provider reads it as unknown) and says why.
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake gateway error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ready.gateway = new AlipayFakeGateway(server, `http://127.0.0.1:${port}/gateway.do`, options, keys, wrongKey, gatewayKey);
    return ready.gateway;
  }

  /** Queues what the gateway does with the next requests for `method`, in order. */
  script(method: string, ...steps: GatewayStep[]): void {
    this.steps.set(method, [...(this.steps.get(method) ?? []), ...steps]);
  }

  /** Requests received for one method. */
  requestsFor(method: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method);
  }

  /** The customer scans a precreate QR (the order now exists at Alipay, WAIT_BUYER_PAY). */
  customerScans(outTradeNo: string): void {
    const trade = this.mustTrade(outTradeNo);
    if (trade.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${outTradeNo} is ${trade.status}; it cannot be scanned`);
    trade.scanned = true;
  }

  /** The customer confirms payment of a scanned (or scans and pays a) precreate QR. */
  customerPays(outTradeNo: string): void {
    const trade = this.mustTrade(outTradeNo);
    if (trade.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${outTradeNo} is ${trade.status}; it cannot be paid`);
    trade.scanned = true;
    trade.status = 'TRADE_SUCCESS';
  }

  private mustTrade(outTradeNo: string): FakeTrade {
    const trade = this.trades.get(outTradeNo);
    if (!trade) throw new Error(`no fake trade ${outTradeNo}`);
    return trade;
  }

  async close(): Promise<void> {
    for (const response of this.hung) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[key] = value;
    const method = params['method'] ?? '';
    const sign = params['sign'] ?? '';
    const signatureValid =
      params['sign_type'] === 'RSA2' && sign !== '' && createVerify('RSA-SHA256').update(requestSignContent(params), 'utf8').verify(this.options.appPublicKeyPem, sign, 'base64');
    let biz: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(params['biz_content'] ?? '{}');
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) biz = parsed as Record<string, unknown>;
    } catch (error) {
      // Recorded as an empty biz_content; the answer below names the problem.
      biz = { unparsable: String(error) };
    }
    this.requests.push({ method, params, biz, signatureValid });

    if (!signatureValid) {
      this.send(response, method, { body: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配' } });
      return;
    }
    if (params['app_id'] !== this.options.appId) {
      this.send(response, method, { body: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数' } });
      return;
    }
    const step = this.steps.get(method)?.shift() ?? { kind: 'normal' };
    switch (step.kind) {
      case 'answer':
        this.send(response, method, { body: { code: step.code, msg: step.msg, ...(step.subCode ? { sub_code: step.subCode } : {}), ...(step.subMsg ? { sub_msg: step.subMsg } : {}), ...step.extra } });
        return;
      case 'hang':
        if (step.commit) this.process(method, biz, undefined);
        this.hung.push(response);
        return;
      case 'drop':
        if (step.commit) this.process(method, biz, undefined);
        response.socket?.destroy();
        return;
      case 'raw':
        if (step.commit) this.process(method, biz, undefined);
        response.writeHead(step.status, { 'content-type': 'text/html;charset=utf-8' });
        response.end(step.body);
        return;
      case 'bad-signature':
        this.send(response, method, this.process(method, biz, undefined), this.wrongKey);
        return;
      case 'user-paying':
        this.send(response, method, this.process(method, biz, step.paidAfterQueries));
        return;
      case 'normal':
        this.send(response, method, this.process(method, biz, undefined));
        return;
    }
  }

  /** Signs `answer` over the exact `*_response` text and writes the body Alipay would. */
  private send(response: ServerResponse, method: string, answer: Answer, key: KeyObject = this.gatewayKey): void {
    const responseText = JSON.stringify(answer.body);
    const sign = createSign('RSA-SHA256').update(responseText, 'utf8').sign(key, 'base64');
    const body = `{"${alipayResponseKey(method)}":${responseText},"sign":"${sign}"}`;
    response.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
    response.end(body);
  }

  private newTrade(outTradeNo: string, flow: FakeTrade['flow'], amountMinor: number): FakeTrade {
    const tradeNo = `2026112522001${String(this.nextTradeNumber++).padStart(15, '0')}`;
    const trade: FakeTrade = { outTradeNo, tradeNo, flow, amountMinor, scanned: flow === 'pay', status: 'WAIT_BUYER_PAY', queriesUntilPaid: null, refundedMinor: 0, refunds: new Map(), fundChanges: 0 };
    this.trades.set(outTradeNo, trade);
    return trade;
  }

  /**
   * The gateway's ordinary behaviour. `userPaying`: undefined = pay normally; a number or null =
   * answer 10003 and complete after that many queries (null: never).
   */
  private process(method: string, biz: Record<string, unknown>, userPaying: number | null | undefined): Answer {
    const text = (key: string) => (typeof biz[key] === 'string' ? biz[key] : '');
    const outTradeNo = text('out_trade_no');
    if (outTradeNo === '') return { body: { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-out-trade-no' } };
    const existing = this.trades.get(outTradeNo);
    const nowText = alipayTime(this.options.nowMs());
    switch (method) {
      case 'alipay.trade.precreate': {
        // A repeated precreate for the same order and amount returns the same QR; another amount
        // is ACQ.CONTEXT_INCONSISTENT; a paid order ACQ.TRADE_HAS_SUCCESS.
        const qrCode = (trade: FakeTrade) => `https://qr.alipay.com/bax0${trade.tradeNo.slice(-8)}`;
        if (existing) {
          if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') return businessFailed('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
          if (existing.status === 'TRADE_CLOSED') return businessFailed('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
          if (existing.amountMinor !== parseMajorToMinor(text('total_amount'))) return businessFailed('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
          return ok({ out_trade_no: outTradeNo, qr_code: qrCode(existing) });
        }
        const trade = this.newTrade(outTradeNo, 'precreate', parseMajorToMinor(text('total_amount')));
        return ok({ out_trade_no: trade.outTradeNo, qr_code: qrCode(trade) });
      }
      case 'alipay.trade.pay': {
        if (existing?.status === 'TRADE_SUCCESS') return businessFailed('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
        if (existing) return businessFailed('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
        if (text('scene') !== 'bar_code' || !authCodePattern.test(text('auth_code'))) {
          return businessFailed('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款，如再次收款失败，请联系管理员处理。[SOUNDWAVE_PARSER_FAIL]');
        }
        const trade = this.newTrade(outTradeNo, 'pay', parseMajorToMinor(text('total_amount')));
        const fields = { trade_no: trade.tradeNo, out_trade_no: outTradeNo, buyer_logon_id: '159****5620', total_amount: formatMinorAsDecimal(trade.amountMinor) };
        if (userPaying !== undefined) {
          trade.queriesUntilPaid = userPaying;
          return { body: { code: '10003', msg: ' order success pay inprocess', ...fields } };
        }
        trade.status = 'TRADE_SUCCESS';
        return ok({ ...fields, receipt_amount: fields.total_amount, gmt_payment: nowText });
      }
      case 'alipay.trade.query': {
        if (!existing || !existing.scanned) return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (existing.status === 'WAIT_BUYER_PAY' && existing.queriesUntilPaid !== null) {
          existing.queriesUntilPaid -= 1;
          if (existing.queriesUntilPaid <= 0) existing.status = 'TRADE_SUCCESS';
        }
        return ok({
          trade_no: existing.tradeNo,
          out_trade_no: outTradeNo,
          trade_status: existing.status,
          total_amount: formatMinorAsDecimal(existing.amountMinor),
          ...(existing.status === 'TRADE_SUCCESS' ? { send_pay_date: nowText } : {}),
        });
      }
      case 'alipay.trade.close': {
        // Before a scan the order does not exist at Alipay; the fake then retires the QR.
        if (!existing || !existing.scanned) {
          if (existing) existing.status = 'TRADE_CLOSED';
          return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
        }
        if (existing.status !== 'WAIT_BUYER_PAY') return businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        existing.status = 'TRADE_CLOSED';
        return ok({ trade_no: existing.tradeNo, out_trade_no: outTradeNo });
      }
      case 'alipay.trade.cancel': {
        if (!existing) {
          // Cancelling an order that never reached Alipay succeeds and blocks a late pay.
          const tombstone = this.newTrade(outTradeNo, 'pay', 0);
          tombstone.status = 'TRADE_CLOSED';
          return ok({ out_trade_no: outTradeNo, retry_flag: 'N', action: 'close' });
        }
        const wasPaid = existing.status === 'TRADE_SUCCESS';
        existing.status = 'TRADE_CLOSED';
        return ok({ trade_no: existing.tradeNo, out_trade_no: outTradeNo, retry_flag: 'N', action: wasPaid ? 'refund' : 'close' });
      }
      case 'alipay.trade.refund': {
        if (!existing || !existing.scanned) return businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const outRequestNo = text('out_request_no') || outTradeNo;
        const amountMinor = parseMajorToMinor(text('refund_amount'));
        const earlier = existing.refunds.get(outRequestNo);
        const common = { trade_no: existing.tradeNo, out_trade_no: outTradeNo, buyer_logon_id: '159****5620' };
        if (earlier !== undefined) {
          if (earlier !== amountMinor) return businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额与退款请求号对应的金额不一致');
          return ok({ ...common, fund_change: 'N', refund_fee: formatMinorAsDecimal(existing.refundedMinor), gmt_refund_pay: nowText });
        }
        if (existing.status !== 'TRADE_SUCCESS') return businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        if (existing.refundedMinor + amountMinor > existing.amountMinor) return businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
        existing.refunds.set(outRequestNo, amountMinor);
        existing.refundedMinor += amountMinor;
        existing.fundChanges += 1;
        if (existing.refundedMinor === existing.amountMinor) existing.status = 'TRADE_CLOSED';
        return ok({ ...common, fund_change: 'Y', refund_fee: formatMinorAsDecimal(existing.refundedMinor), gmt_refund_pay: nowText });
      }
      default:
        return { body: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: `unknown method ${method}` } };
    }
  }
}
