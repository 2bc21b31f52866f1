/**
 * Tells which wallet a scanned customer-presented code belongs to, by the prefixes and lengths the
 * acquirers publish (docs/payment-rules.md#code-formats): Alipay 16–24 digits starting 25–30; WeChat 18 digits starting
 * 10–15; UnionPay starting 62 (the sandbox wallet issues Alipay-shaped "28…" codes). Signed
 * offline codes start `OFL1.` (sync/protocol/offline-code-claims.ts). Anything else is refused with
 * a reason before any intent is created.
 */
import { looksLikeOfflineCode } from '../../sync/protocol/offline-code-claims.js';

export type CodeWallet = 'alipay' | 'wechat' | 'unionpay' | 'offline';

export type CodeClassification = { readonly ok: true; readonly wallet: CodeWallet } | { readonly ok: false; readonly reason: string };

export function classifyPaymentCode(code: string): CodeClassification {
  const text = code.trim();
  if (text.length === 0) return { ok: false, reason: 'the scanned code is empty' };
  if (looksLikeOfflineCode(text)) return { ok: true, wallet: 'offline' };
  if (/^1[0-5]\d{16}$/.test(text)) return { ok: true, wallet: 'wechat' };
  if (/^(2[5-9]|30)\d{14,22}$/.test(text)) return { ok: true, wallet: 'alipay' };
  if (/^62\d{14,17}$/.test(text)) return { ok: true, wallet: 'unionpay' };
  if (/^\d+$/.test(text)) return { ok: false, reason: `a ${text.length}-digit code starting "${text.slice(0, 2)}" is not an Alipay, WeChat or UnionPay payment code` };
  return { ok: false, reason: 'this is not a payment code (a product barcode or a URL?)' };
}
