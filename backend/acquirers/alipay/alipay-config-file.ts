/**
 * The Alipay face-to-face configuration file (`terminal backend --alipay-config FILE`): JSON with
 * the gateway, the app id and the PATHS of the key files; keys never sit in the JSON itself.
 *
 * ```json
 * { "gatewayUrl": "https://openapi.alipay.com/gateway.do", "appId": "2021000123456789",
 *   "appPrivateKeyFile": "app-private-key.pem", "alipayPublicKeyFile": "alipay-public-key.pem",
 *   "sellerId": "2088102146225135", "notifyUrl": "https://backend.example/notify/alipay",
 *   "storeId": "SH-001", "requestTimeoutMs": 15000 }
 * ```
 *
 * Contracts: relative key paths are relative to the config file's folder. Keys are returned as
 * `KeyObject`s, which print as `PrivateKeyObject { … }` and never as key text; no error message
 * here quotes a key file's content. Every refusal is an `AlipayConfigError` naming the file and
 * the key (`gatewayUrl: …`, `appPrivateKeyFile (/path): …`).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { AlipayFaceToFaceConfig } from './alipay-face-to-face-provider.js';

export class AlipayConfigError extends Error {
  override readonly name = 'AlipayConfigError';
}

export const alipayConfigFileSchema = z.strictObject({
  gatewayUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://openapi.alipay.com/gateway.do' }),
  appId: z.string().regex(/^\d{10,32}$/, 'must be the app id from the Open Platform console (digits, e.g. 2021000123456789)'),
  appPrivateKeyFile: z.string().min(1, 'must name the file holding the app private key (PEM)'),
  alipayPublicKeyFile: z.string().min(1, 'must name the file holding the Alipay public key (PEM)'),
  sellerId: z.string().regex(/^2088\d{12}$/, 'must be a 16-digit seller id starting 2088').optional(),
  storeId: z.string().min(1).max(32).optional(),
  notifyUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL ending in /notify/alipay on this backend' }).optional(),
  requestTimeoutMs: z.number().int().min(1_000).max(120_000).optional(),
});
export type AlipayConfigFile = z.infer<typeof alipayConfigFileSchema>;

export interface LoadedAlipayConfig {
  readonly config: AlipayFaceToFaceConfig;
  /** Non-fatal findings (e.g. a private key readable by other users), for the operator. */
  readonly warnings: readonly string[];
}

function readKey(file: string, key: 'appPrivateKeyFile' | 'alipayPublicKeyFile', warnings: string[]): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AlipayConfigError(`${key} (${file}): cannot read it: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // createPublicKey would quietly derive a public key from a private one: refuse that mix-up.
  if (key === 'alipayPublicKeyFile' && text.includes('PRIVATE KEY')) throw new AlipayConfigError(`${key} (${file}): holds a private key; give the Alipay public key from the Open Platform console`);
  const isPem = text.includes('-----BEGIN');
  const der = () => Buffer.from(text.replace(/\s+/g, ''), 'base64');
  let parsed: KeyObject;
  try {
    if (key === 'appPrivateKeyFile') parsed = isPem ? createPrivateKey(text) : createPrivateKey({ key: der(), format: 'der', type: 'pkcs8' });
    else parsed = isPem ? createPublicKey(text) : createPublicKey({ key: der(), format: 'der', type: 'spki' });
  } catch (error) {
    // The crypto error names the decoder step only; the key text is never part of the message.
    throw new AlipayConfigError(`${key} (${file}): not an ${key === 'appPrivateKeyFile' ? 'RSA private key (PEM, or base64 PKCS#8)' : 'RSA public key (PEM, or base64 SPKI)'}: ${(error as Error).message}`);
  }
  if (parsed.asymmetricKeyType !== 'rsa') throw new AlipayConfigError(`${key} (${file}): RSA2 needs an RSA key, this one is ${parsed.asymmetricKeyType ?? 'unknown'}`);
  if (key === 'appPrivateKeyFile' && process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    warnings.push(`${key} (${file}) is readable by other users; chmod 600 it`);
  }
  return parsed;
}

/** Reads and validates the file; throws `AlipayConfigError` naming the offending key. */
export function readAlipayConfigFile(file: string): LoadedAlipayConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AlipayConfigError(`alipay config ${file}: cannot read it as JSON: ${(error as Error).message}`);
  }
  const parsed = alipayConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`);
    throw new AlipayConfigError(`alipay config ${file}: ${issues.join('; ')}`);
  }
  const fields = parsed.data;
  const folder = dirname(resolve(file));
  const warnings: string[] = [];
  const appPrivateKey = readKey(resolve(folder, fields.appPrivateKeyFile), 'appPrivateKeyFile', warnings);
  const alipayPublicKey = readKey(resolve(folder, fields.alipayPublicKeyFile), 'alipayPublicKeyFile', warnings);
  return {
    config: {
      gatewayUrl: fields.gatewayUrl,
      appId: fields.appId,
      appPrivateKey,
      alipayPublicKey,
      ...(fields.sellerId ? { sellerId: fields.sellerId } : {}),
      ...(fields.storeId ? { storeId: fields.storeId } : {}),
      ...(fields.notifyUrl ? { notifyUrl: fields.notifyUrl } : {}),
      ...(fields.requestTimeoutMs ? { requestTimeoutMs: fields.requestTimeoutMs } : {}),
    },
    warnings,
  };
}
