/**
 * Alipay Open API (v2 gateway) RSA2 signatures: SHA256withRSA (RSASSA-PKCS1-v1_5), base64, over
 * UTF-8 text. Three directions, each with the exact content the Open Platform signs
 * (https://opendocs.alipay.com/common/02kf5q and the official SDKs):
 *
 * - Requests (`signAlipayRequest`): every parameter except `sign`, keys sorted, `k=v` joined by
 *   `&`; parameters with an empty value are left out, as the official Java SDK's
 *   `AlipaySignature.getSignContent` does (`StringUtils.areNotEmpty(key, value)`,
 *   alipay/alipay-sdk-java-all, src/main/java/com/alipay/api/internal/util/AlipaySignature.java).
 *   `sign_type` is signed.
 * - Responses (`verifyAlipayResponse`): the raw JSON text of the `<method>_response` (or
 *   `error_response`) member, cut out of the body byte for byte, never re-serialised (the Java
 *   SDK's `getSignSourceData`, the Node SDK's `getSignStr`).
 * - Async notifications (`verifyAlipayNotification`): every parameter except `sign` and
 *   `sign_type`, sorted, `k=v` joined by `&`, empty values kept (`getSignCheckContentV1`, used
 *   for `trade_status_sync`). Some other notify types sign `sign_type` too (`rsaCheckV2`): pass
 *   `{ signTypeSigned: true }` for those.
 *
 * Only RSA2 is supported: the old SHA1 `RSA` sign type is refused.
 */
import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

/** Request or notification parameters, already URL-decoded. */
export type AlipayParams = Readonly<Record<string, string>>;

export type AlipayVerificationFailure = 'malformed-body' | 'missing-response' | 'missing-sign' | 'unsupported-sign-type' | 'bad-signature';

export type AlipayVerification =
  | { readonly ok: true; /** The exact text that was verified (for responses, the `*_response` JSON). */ readonly signedContent: string }
  | { readonly ok: false; readonly reason: AlipayVerificationFailure; readonly message: string };

/** PEM text, or the bare base64 body Alipay's console shows (PKCS#1 or PKCS#8 private, SPKI public). */
export type AlipayKey = string | KeyObject;

function privateKeyOf(key: AlipayKey): KeyObject {
  if (typeof key !== 'string') return key;
  if (key.includes('-----BEGIN')) return createPrivateKey(key);
  return createPrivateKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(key: AlipayKey): KeyObject {
  if (typeof key !== 'string') return key;
  if (key.includes('-----BEGIN')) return createPublicKey(key);
  return createPublicKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

/** The request sign content: all params but `sign`, empty values left out, keys sorted. */
export function alipayRequestSignContent(params: AlipayParams): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && key !== '' && params[key] !== undefined && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key] ?? ''}`)
    .join('&');
}

/**
 * The notification check content: all params but `sign` (and `sign_type` unless it is signed),
 * keys sorted, empty values kept.
 */
export function alipayNotificationSignContent(params: AlipayParams, options: { readonly signTypeSigned?: boolean } = {}): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && key !== '' && (options.signTypeSigned === true || key !== 'sign_type'))
    .sort()
    .map((key) => `${key}=${params[key] ?? ''}`)
    .join('&');
}

/** Returns the base64 RSA2 signature for the request parameters (`sign_type` should be "RSA2"). */
export function signAlipayRequest(params: AlipayParams, appPrivateKey: AlipayKey): string {
  return createSign('RSA-SHA256').update(alipayRequestSignContent(params), 'utf8').sign(privateKeyOf(appPrivateKey), 'base64');
}

/** The request parameters with `sign` added. */
export function signedAlipayRequestParams(params: AlipayParams, appPrivateKey: AlipayKey): Record<string, string> {
  return { ...params, sign: signAlipayRequest(params, appPrivateKey) };
}

function verifyBase64(content: string, signature: string, publicKey: AlipayKey): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyOf(publicKey), signature, 'base64');
}

/** A member of the body's top-level object, as character offsets into the raw text. */
interface RawMember {
  readonly key: string;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** Index just past the JSON string starting at `start` (a `"`), or -1. */
function skipString(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index += 1) {
    const character = text[index];
    if (character === '\\') index += 1;
    else if (character === '"') return index + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `start`, or -1. Assumes the text parsed as JSON. */
function skipValue(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return skipString(text, start);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let index = start; index < text.length; index += 1) {
      const character = text[index];
      if (character === '"') {
        index = skipString(text, index) - 1;
        if (index < 0) return -1;
      } else if (character === '{' || character === '[') depth += 1;
      else if (character === '}' || character === ']') {
        depth -= 1;
        if (depth === 0) return index + 1;
      }
    }
    return -1;
  }
  const match = /^[^,}\]\s]+/.exec(text.slice(start));
  return match ? start + match[0].length : -1;
}

/** The top-level members of a JSON object text, with the raw value spans. Null when not an object. */
function topLevelMembers(text: string): RawMember[] | null {
  const members: RawMember[] = [];
  let index = text.indexOf('{');
  if (index < 0 || text.slice(0, index).trim() !== '') return null;
  index += 1;
  const skipSpace = () => {
    while (index < text.length && /\s/.test(text[index] ?? '')) index += 1;
  };
  for (;;) {
    skipSpace();
    if (text[index] === '}') return members;
    if (text[index] !== '"') return null;
    const keyEnd = skipString(text, index);
    if (keyEnd < 0) return null;
    const key = JSON.parse(text.slice(index, keyEnd)) as string;
    index = keyEnd;
    skipSpace();
    if (text[index] !== ':') return null;
    index += 1;
    skipSpace();
    const valueStart = index;
    const valueEnd = skipValue(text, valueStart);
    if (valueEnd < 0) return null;
    members.push({ key, valueStart, valueEnd });
    index = valueEnd;
    skipSpace();
    if (text[index] === ',') index += 1;
    else if (text[index] === '}') return members;
    else return null;
  }
}

/** `alipay.trade.pay` → `alipay_trade_pay_response`. */
export function alipayResponseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/**
 * Checks a gateway response body (the raw HTTP body text) for `method`. The signed content is the
 * `<method>_response` member's raw text, or `error_response`'s when the gateway answered with that.
 * Never throws for any body text.
 */
export function verifyAlipayResponse(rawBody: string, method: string, alipayPublicKey: AlipayKey): AlipayVerification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (error) {
    return { ok: false, reason: 'malformed-body', message: `the response is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const members = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? topLevelMembers(rawBody) : null;
  if (!members) return { ok: false, reason: 'malformed-body', message: 'the response is not a JSON object' };
  const responseKey = alipayResponseKey(method);
  const response = members.find((member) => member.key === responseKey) ?? members.find((member) => member.key === 'error_response');
  if (!response) return { ok: false, reason: 'missing-response', message: `the response has no ${responseKey} or error_response member` };
  const sign = (parsed as Record<string, unknown>)['sign'];
  if (typeof sign !== 'string' || sign === '') return { ok: false, reason: 'missing-sign', message: 'the response carries no sign' };
  const signedContent = rawBody.slice(response.valueStart, response.valueEnd);
  if (!verifyBase64(signedContent, sign, alipayPublicKey)) {
    return { ok: false, reason: 'bad-signature', message: `the ${responseKey} signature does not verify with the Alipay public key` };
  }
  return { ok: true, signedContent };
}

/**
 * Checks an async notification's parameters (form fields, URL-decoded). `sign_type`, when present,
 * must be RSA2. Never throws for any parameters.
 */
export function verifyAlipayNotification(
  params: AlipayParams,
  alipayPublicKey: AlipayKey,
  options: { readonly signTypeSigned?: boolean } = {},
): AlipayVerification {
  const sign = params['sign'];
  if (sign === undefined || sign === '') return { ok: false, reason: 'missing-sign', message: 'the notification carries no sign' };
  const signType = params['sign_type'];
  if (signType !== undefined && signType !== 'RSA2') {
    return { ok: false, reason: 'unsupported-sign-type', message: `sign_type ${signType} is not accepted; only RSA2` };
  }
  const signedContent = alipayNotificationSignContent(params, options);
  if (!verifyBase64(signedContent, sign, alipayPublicKey)) {
    return { ok: false, reason: 'bad-signature', message: 'the notification signature does not verify with the Alipay public key' };
  }
  return { ok: true, signedContent };
}
