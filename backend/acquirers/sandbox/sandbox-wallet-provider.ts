/**
 * The sandbox wallet: a payment provider living inside the reference backend (tables
 * `sandbox_codes`, `sandbox_trades`, `sandbox_refunds`) so a merchant can run terminal + backend +
 * wallet on one machine. It behaves like a real QR wallet, including its awkward paths:
 *
 * - Merchant-presented: `createMerchantPresented` issues a dynamic EMVCo MPM payload (point of
 *   initiation 12, amount, CNY, bill number = payment id (see `billNumberFor`), terminal label,
 *   merchant account template 26 with the sandbox's globally unique id, the merchant's Chinese name
 *   and city in the alternate-language template 64). A customer pays it with `walletPays`
 *   (`POST /sandbox/wallet/pay`, `terminal wallet pay`).
 * - Customer-presented: `issueCustomerCode` registers an 18-digit code ("28…", inside Alipay's
 *   25–30 range) with a balance and a behaviour (`SandboxBehaviour`: pay, decline, user-paying,
 *   user-paying-forever, unknown) and an optional answer delay.
 * - `responseDelayMs` delays every answer to the backend (exercises timeouts).
 * - Bounded like a real wallet: a code holds at most `maxSandboxBalanceMinor` (￥100,000.00), and
 *   no sandbox payment (QR or code) is larger; a larger ask is refused naming the limit.
 *
 * Idempotent like a real acquirer: the payment id is the merchant order number, so a repeated
 * create returns the same QR, a repeated pay never charges twice, a repeated refund id refunds once.
 */
import type Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import type { Clock } from '../../../kernel/clock.js';
import { decodeEmvMpm } from '../../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { encodeEmvMpm, type EmvMpmEncodeInput } from '../../../sync/protocol/emv-mpm/encode-emv-mpm.js';
import {
  maxSandboxBalanceMinor,
  type SandboxBehaviour,
  sandboxBalanceLimitText,
  type SandboxWalletCodeRequest,
  type SandboxWalletPayRequest,
  type SandboxWalletPayResponse,
} from '../../../sync/protocol/backend-api.js';
import { BackendError } from '../../services/backend-error.js';
import type {
  CloseResult,
  CustomerPresentedRequest,
  CustomerPresentedResult,
  MerchantPresentedRequest,
  MerchantPresentedResult,
  PaymentProvider,
  QueryResult,
  RefundRequest,
  RefundResult,
  ReverseResult,
} from '../payment-provider.js';

/** Globally unique id of the sandbox wallet in merchant account template 26 (sub-ID 00). */
export const sandboxWalletGloballyUniqueId = 'com.merchantterminal.sandbox';
export const defaultSandboxBalanceMinor = 100_000;
export const defaultUserPayingMs = 8_000;
export const sandboxCodeLifetimeMs = 60 * 60 * 1000;

export interface SandboxMerchant {
  /** Sub-ID 01 of template 26. */
  readonly merchantId: string;
  /** EMV tag 59 / 60: printable ASCII, ≤ 25 / ≤ 15 characters. */
  readonly name: string;
  readonly city: string;
  /** Tag 64: the Chinese name and city. */
  readonly nameZh: string;
  readonly cityZh: string;
  /** ISO 18245 merchant category (5812 restaurants). */
  readonly mcc: string;
}

export const defaultSandboxMerchant: SandboxMerchant = {
  merchantId: 'SANDBOX0001',
  name: 'SANDBOX MERCHANT',
  city: 'SHANGHAI',
  nameZh: '沙盒测试商户',
  cityZh: '上海',
  mcc: '5812',
};

export interface SandboxWalletOptions {
  readonly db: Database.Database;
  readonly clock: Clock;
  readonly merchant?: SandboxMerchant;
  /** Delay of every provider answer to the backend, in ms (default 0). */
  readonly responseDelayMs?: number;
  /** Waits `ms`; injected so tests do not sleep. Defaults to a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

type TradeStatus = 'waiting' | 'user-paying' | 'paid' | 'closed';

interface TradeRow {
  payment_id: string;
  flow: 'merchant-presented' | 'customer-presented';
  bill_number: string;
  amount_minor: number;
  status: TradeStatus;
  code: string | null;
  payer_id: string | null;
  qr_content: string | null;
  expires_at_ms: number | null;
  completes_at_ms: number | null;
  paid_at_ms: number | null;
  reversed: number;
  refunded_minor: number;
  created_at_ms: number;
}

interface CodeRow {
  code: string;
  payer_id: string;
  balance_minor: number;
  behaviour: SandboxBehaviour;
  user_paying_ms: number;
  delay_ms: number;
  expires_at_ms: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * EMV bill numbers (62-01) hold at most 25 characters. A payment id that fits is used as is; a
 * UUID is written as the base64url of its 16 bytes (22 characters, reversible). Any other id
 * longer than 25 characters is refused (throws), which the provider reports as a failed create.
 */
export function billNumberFor(paymentId: string): string {
  if (paymentId.length <= 25) return paymentId;
  if (uuidPattern.test(paymentId)) return Buffer.from(paymentId.replace(/-/g, ''), 'hex').toString('base64url');
  throw new Error(`payment id "${paymentId}" is longer than 25 characters and not a UUID; it cannot be an EMV bill number`);
}

/**
 * The one place the sandbox builds its QR payload (switchable encoder). Dynamic (12), CNY,
 * country CN, bill number, terminal label, template 26 and the Chinese alternate-language template.
 */
export function sandboxQrPayload(merchant: SandboxMerchant, fields: { amountMinor: number; billNumber: string; terminalLabel: string }): string {
  const input: EmvMpmEncodeInput = {
    pointOfInitiation: 'dynamic',
    merchantAccounts: [{ id: '26', globallyUniqueId: sandboxWalletGloballyUniqueId, fields: { '01': merchant.merchantId } }],
    merchantCategoryCode: merchant.mcc,
    currencyNumeric: '156',
    amountMinor: fields.amountMinor,
    countryCode: 'CN',
    merchantName: merchant.name,
    merchantCity: merchant.city,
    additionalData: { billNumber: fields.billNumber, terminalLabel: fields.terminalLabel },
    alternateLanguage: { languagePreference: 'ZH', merchantName: merchant.nameZh, merchantCity: merchant.cityZh },
  };
  return encodeEmvMpm(input);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SandboxWalletProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;
  private readonly merchant: SandboxMerchant;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SandboxWalletOptions) {
    this.merchant = options.merchant ?? defaultSandboxMerchant;
    this.sleep = options.sleep ?? realSleep;
  }

  private get db(): Database.Database {
    return this.options.db;
  }

  private nowMs(): number {
    return this.options.clock.nowMs();
  }

  private async answerDelay(extraMs = 0): Promise<void> {
    const totalMs = (this.options.responseDelayMs ?? 0) + extraMs;
    if (totalMs > 0) await this.sleep(totalMs);
  }

  private trade(paymentId: string): TradeRow | undefined {
    const row = this.db.prepare('SELECT * FROM sandbox_trades WHERE payment_id = ?').get(paymentId) as TradeRow | undefined;
    return row && this.settleUserPaying(row);
  }

  /** A `user-paying` trade whose confirmation time has come becomes paid (and debits the code). */
  private settleUserPaying(row: TradeRow): TradeRow {
    if (row.status !== 'user-paying' || row.completes_at_ms === null || this.nowMs() < row.completes_at_ms) return row;
    const nowMs = this.nowMs();
    return this.db.transaction(() => {
      const code = row.code ? (this.db.prepare('SELECT * FROM sandbox_codes WHERE code = ?').get(row.code) as CodeRow | undefined) : undefined;
      if (code && code.balance_minor < row.amount_minor) {
        this.db.prepare("UPDATE sandbox_trades SET status = 'closed', completes_at_ms = NULL WHERE payment_id = ?").run(row.payment_id);
        return { ...row, status: 'closed' as const, completes_at_ms: null };
      }
      if (code) this.db.prepare('UPDATE sandbox_codes SET balance_minor = balance_minor - ? WHERE code = ?').run(row.amount_minor, code.code);
      this.db.prepare("UPDATE sandbox_trades SET status = 'paid', paid_at_ms = ?, completes_at_ms = NULL WHERE payment_id = ?").run(nowMs, row.payment_id);
      return { ...row, status: 'paid' as const, paid_at_ms: nowMs, completes_at_ms: null };
    }).immediate();
  }

  async createMerchantPresented(request: MerchantPresentedRequest): Promise<MerchantPresentedResult> {
    await this.answerDelay();
    const existing = this.trade(request.paymentId);
    if (existing) {
      if (existing.flow !== 'merchant-presented' || existing.amount_minor !== request.amountMinor || existing.qr_content === null) {
        return { outcome: 'failed', failure: { code: 'sandbox.order-mismatch', message: 'this payment id already exists at the sandbox with different content' } };
      }
      return { outcome: 'created', qrContent: existing.qr_content, expiresAtMs: existing.expires_at_ms ?? request.expiresAtMs, providerTradeId: `SBX-${existing.bill_number}` };
    }
    let billNumber: string;
    let qrContent: string;
    try {
      billNumber = billNumberFor(request.paymentId);
      qrContent = sandboxQrPayload(this.merchant, { amountMinor: request.amountMinor, billNumber, terminalLabel: request.terminalLabel });
    } catch (error) {
      return { outcome: 'failed', failure: { code: 'sandbox.invalid-order', message: (error as Error).message } };
    }
    this.db
      .prepare(
        `INSERT INTO sandbox_trades (payment_id, flow, bill_number, amount_minor, status, qr_content, expires_at_ms, created_at_ms)
         VALUES (?, 'merchant-presented', ?, ?, 'waiting', ?, ?, ?)`,
      )
      .run(request.paymentId, billNumber, request.amountMinor, qrContent, request.expiresAtMs, this.nowMs());
    return { outcome: 'created', qrContent, expiresAtMs: request.expiresAtMs, providerTradeId: `SBX-${billNumber}` };
  }

  /** A customer pays a merchant-presented QR (the `/sandbox/wallet/pay` endpoint). */
  walletPays(request: SandboxWalletPayRequest): Omit<SandboxWalletPayResponse, 'serverTimeMs'> | { error: string } {
    const decoded = decodeEmvMpm(request.qrContent);
    if (!decoded.valid) return { error: `the QR content is not a valid EMV payload: ${decoded.errors.map((issue) => issue.message).join('; ')}` };
    const ours = decoded.merchantAccounts.some((account) => account.globallyUniqueId === sandboxWalletGloballyUniqueId);
    if (!ours) return { error: 'this QR code does not belong to the sandbox wallet' };
    const billNumber = decoded.additionalData?.billNumber;
    if (!billNumber) return { error: 'the QR code carries no bill number' };
    const found = this.db.prepare('SELECT * FROM sandbox_trades WHERE bill_number = ?').get(billNumber) as TradeRow | undefined;
    if (!found) return { error: `no sandbox order with bill number ${billNumber}` };
    const trade = this.settleUserPaying(found);
    const base = { paymentId: trade.payment_id, amountMinor: trade.amount_minor, merchantName: decoded.alternateLanguage?.merchantName ?? decoded.merchantName ?? this.merchant.name };
    if (decoded.amountMinor !== trade.amount_minor) return { error: 'the amount in the QR code does not match the order' };
    if (trade.amount_minor > maxSandboxBalanceMinor) return { error: `the sandbox wallet pays at most ${sandboxBalanceLimitText} at once; this QR asks for ${trade.amount_minor} fen` };
    if (trade.status === 'paid') return { ...base, outcome: 'already-paid' };
    if (trade.status === 'closed') return { ...base, outcome: 'closed' };
    if (trade.expires_at_ms !== null && this.nowMs() >= trade.expires_at_ms) return { ...base, outcome: 'expired' };
    if (request.behaviour === 'decline') return { ...base, outcome: 'declined' };
    this.db
      .prepare("UPDATE sandbox_trades SET status = 'paid', paid_at_ms = ?, payer_id = ? WHERE payment_id = ? AND status IN ('waiting', 'user-paying')")
      .run(this.nowMs(), request.payerId ?? 'sandbox-payer', trade.payment_id);
    return { ...base, outcome: 'paid' };
  }

  /**
   * Registers an online customer-presented code (the `/sandbox/wallet/codes` endpoint). Throws
   * `bad-request` for a balance above `maxSandboxBalanceMinor` (the endpoint's schema refuses it first).
   */
  issueCustomerCode(request: SandboxWalletCodeRequest): { code: string; payerId: string; balanceMinor: number; behaviour: SandboxBehaviour; expiresAtMs: number } {
    if (request.balanceMinor !== undefined && !(Number.isSafeInteger(request.balanceMinor) && request.balanceMinor >= 0 && request.balanceMinor <= maxSandboxBalanceMinor)) {
      throw new BackendError('bad-request', `a sandbox balance is at most ${sandboxBalanceLimitText}`);
    }
    const nowMs = this.nowMs();
    let code = '28';
    for (let index = 0; index < 16; index += 1) code += String(randomInt(10));
    const payerId = `payer-${code.slice(-6)}`;
    const balanceMinor = request.balanceMinor ?? defaultSandboxBalanceMinor;
    const behaviour = request.behaviour ?? 'pay';
    const expiresAtMs = nowMs + sandboxCodeLifetimeMs;
    this.db
      .prepare('INSERT INTO sandbox_codes (code, payer_id, balance_minor, behaviour, user_paying_ms, delay_ms, expires_at_ms, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(code, payerId, balanceMinor, behaviour, request.userPayingMs ?? defaultUserPayingMs, request.delayMs ?? 0, expiresAtMs, nowMs);
    return { code, payerId, balanceMinor, behaviour, expiresAtMs };
  }

  /** True when the code was issued by this sandbox (used to route customer-presented codes). */
  ownsCode(code: string): boolean {
    return this.db.prepare('SELECT 1 FROM sandbox_codes WHERE code = ?').get(code) !== undefined;
  }

  async payWithCustomerCode(request: CustomerPresentedRequest): Promise<CustomerPresentedResult> {
    const code = this.db.prepare('SELECT * FROM sandbox_codes WHERE code = ?').get(request.code) as CodeRow | undefined;
    await this.answerDelay(code?.delay_ms ?? 0);
    const existing = this.trade(request.paymentId);
    const tradeId = `SBX-${request.paymentId.slice(0, 20)}`;
    if (existing) {
      // Same order number: never charge twice; report what happened to it.
      if (existing.status === 'paid') return { outcome: 'paid', providerTradeId: tradeId, paidAtMs: existing.paid_at_ms ?? this.nowMs() };
      if (existing.status === 'user-paying' || existing.status === 'waiting') return { outcome: 'user-paying', providerTradeId: tradeId };
      return { outcome: 'failed', failure: { code: 'sandbox.trade-closed', message: 'this order is closed' } };
    }
    const nowMs = this.nowMs();
    const insert = (status: TradeStatus, paidAtMs: number | null, completesAtMs: number | null) =>
      this.db
        .prepare(
          `INSERT INTO sandbox_trades (payment_id, flow, bill_number, amount_minor, status, code, payer_id, completes_at_ms, paid_at_ms, created_at_ms)
           VALUES (?, 'customer-presented', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(request.paymentId, `CP-${request.paymentId}`, request.amountMinor, status, request.code, code?.payer_id ?? null, completesAtMs, paidAtMs, nowMs);
    if (!code || code.expires_at_ms <= nowMs) {
      insert('closed', null, null);
      return { outcome: 'failed', failure: { code: 'sandbox.code-invalid', message: 'the payment code is unknown or expired; ask the customer to refresh it' } };
    }
    if (code.behaviour === 'decline') {
      insert('closed', null, null);
      return { outcome: 'failed', failure: { code: 'sandbox.declined', message: 'the wallet declined the payment' } };
    }
    if (request.amountMinor > maxSandboxBalanceMinor) {
      insert('closed', null, null);
      return { outcome: 'failed', failure: { code: 'sandbox.over-limit', message: `the sandbox wallet pays at most ${sandboxBalanceLimitText} at once` } };
    }
    if (code.balance_minor < request.amountMinor) {
      insert('closed', null, null);
      return { outcome: 'failed', failure: { code: 'sandbox.insufficient-balance', message: `the wallet balance (${code.balance_minor} fen) is below the amount` } };
    }
    if (code.behaviour === 'user-paying' || code.behaviour === 'user-paying-forever') {
      insert('user-paying', null, code.behaviour === 'user-paying' ? nowMs + code.user_paying_ms : null);
      return { outcome: 'user-paying', providerTradeId: tradeId };
    }
    this.db.transaction(() => {
      this.db.prepare('UPDATE sandbox_codes SET balance_minor = balance_minor - ? WHERE code = ?').run(request.amountMinor, code.code);
      insert('paid', nowMs, null);
    }).immediate();
    if (code.behaviour === 'unknown') return { outcome: 'unknown', message: 'the sandbox dropped its answer (behaviour "unknown"): the money was taken, query to find out' };
    return { outcome: 'paid', providerTradeId: tradeId, paidAtMs: nowMs };
  }

  async query(paymentId: string): Promise<QueryResult> {
    await this.answerDelay();
    const trade = this.trade(paymentId);
    if (!trade) return { outcome: 'not-found' };
    // A merchant-presented order exists at real providers only once scanned: mimic that.
    if (trade.flow === 'merchant-presented' && trade.status === 'waiting') return { outcome: 'not-found' };
    return {
      outcome: 'found',
      status: trade.status === 'closed' ? 'closed' : trade.status,
      providerTradeId: `SBX-${trade.bill_number}`.slice(0, 40),
      paidAtMs: trade.paid_at_ms,
      refundedMinor: trade.refunded_minor,
    };
  }

  async close(paymentId: string): Promise<CloseResult> {
    await this.answerDelay();
    const trade = this.trade(paymentId);
    if (!trade) return { outcome: 'not-found' };
    if (trade.status === 'paid') return { outcome: 'paid', providerTradeId: `SBX-${trade.bill_number}`, paidAtMs: trade.paid_at_ms ?? this.nowMs() };
    this.db.prepare("UPDATE sandbox_trades SET status = 'closed', completes_at_ms = NULL WHERE payment_id = ?").run(paymentId);
    return { outcome: 'closed' };
  }

  async reverse(paymentId: string): Promise<ReverseResult> {
    await this.answerDelay();
    const trade = this.trade(paymentId);
    if (!trade) {
      // Never reached us: record a closed tombstone so a late pay with this id cannot succeed.
      this.db
        .prepare("INSERT INTO sandbox_trades (payment_id, flow, bill_number, amount_minor, status, created_at_ms) VALUES (?, 'customer-presented', ?, 0, 'closed', ?)")
        .run(paymentId, `CP-${paymentId}`, this.nowMs());
      return { outcome: 'reversed', action: 'close' };
    }
    if (trade.status !== 'paid') {
      this.db.prepare("UPDATE sandbox_trades SET status = 'closed', completes_at_ms = NULL WHERE payment_id = ?").run(paymentId);
      return { outcome: 'reversed', action: trade.reversed === 1 ? 'refund' : 'close' };
    }
    this.db.transaction(() => {
      if (trade.code) this.db.prepare('UPDATE sandbox_codes SET balance_minor = balance_minor + ? WHERE code = ?').run(trade.amount_minor - trade.refunded_minor, trade.code);
      this.db.prepare("UPDATE sandbox_trades SET status = 'closed', reversed = 1 WHERE payment_id = ?").run(paymentId);
    }).immediate();
    return { outcome: 'reversed', action: 'refund' };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    await this.answerDelay();
    const done = this.db.prepare('SELECT refunded_at_ms FROM sandbox_refunds WHERE refund_id = ?').get(request.refundId) as { refunded_at_ms: number } | undefined;
    if (done) return { outcome: 'refunded', refundedAtMs: done.refunded_at_ms };
    const trade = this.trade(request.paymentId);
    if (!trade || trade.status !== 'paid') return { outcome: 'failed', failure: { code: 'sandbox.trade-not-paid', message: 'the order is not paid' } };
    if (trade.refunded_minor + request.amountMinor > trade.amount_minor) {
      return { outcome: 'failed', failure: { code: 'sandbox.refund-amount-exceeded', message: 'the refund exceeds the paid amount' } };
    }
    const nowMs = this.nowMs();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO sandbox_refunds (refund_id, payment_id, amount_minor, refunded_at_ms) VALUES (?, ?, ?, ?)').run(request.refundId, request.paymentId, request.amountMinor, nowMs);
      this.db.prepare('UPDATE sandbox_trades SET refunded_minor = refunded_minor + ? WHERE payment_id = ?').run(request.amountMinor, request.paymentId);
      if (trade.code) this.db.prepare('UPDATE sandbox_codes SET balance_minor = balance_minor + ? WHERE code = ?').run(request.amountMinor, trade.code);
    }).immediate();
    return { outcome: 'refunded', refundedAtMs: nowMs };
  }

  /** Remaining balance of a sandbox code (tests and `terminal wallet` diagnostics). */
  codeBalanceMinor(code: string): number | undefined {
    return (this.db.prepare('SELECT balance_minor FROM sandbox_codes WHERE code = ?').get(code) as { balance_minor: number } | undefined)?.balance_minor;
  }
}
