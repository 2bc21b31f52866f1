/**
 * `--alipay-config` files: validated with zod, keys read from files relative to the config, every
 * refusal naming the key, and no key text in any message.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayConfigError, readAlipayConfigFile } from '../../../../backend/acquirers/alipay/alipay-config-file.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../support/alipay-fake-gateway.js';

let dir: string;
let app: RsaKeyPair;
let alipay: RsaKeyPair;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'alipay-config-'));
  app = generateRsaKeyPair();
  alipay = generateRsaKeyPair();
  writeFileSync(join(dir, 'app-private-key.pem'), app.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'alipay-public-key.pem'), alipay.publicKeyPem);
  // The console's bare base64 form (no PEM armour).
  writeFileSync(join(dir, 'alipay-public-key.txt'), alipay.publicKeyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valid = { gatewayUrl: 'http://127.0.0.1:9/gateway.do', appId: '2021000123456789', appPrivateKeyFile: 'app-private-key.pem', alipayPublicKeyFile: 'alipay-public-key.pem' };

function configFile(content: unknown, name = 'alipay.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function refusal(content: unknown): string {
  try {
    readAlipayConfigFile(configFile(content));
  } catch (error) {
    expect(error).toBeInstanceOf(AlipayConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain(app.privateKeyPem.split('\n')[1]);
    return message;
  }
  throw new Error('the config was accepted');
}

describe('readAlipayConfigFile', () => {
  it('reads a valid file: keys from paths relative to it, optional fields kept, keys never printable', () => {
    const loaded = readAlipayConfigFile(configFile({ ...valid, sellerId: '2088102146225135', notifyUrl: 'https://backend.example/notify/alipay', requestTimeoutMs: 8000 }));
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toMatchObject({ gatewayUrl: valid.gatewayUrl, appId: valid.appId, sellerId: '2088102146225135', notifyUrl: 'https://backend.example/notify/alipay', requestTimeoutMs: 8000 });
    expect(inspect(loaded.config)).not.toContain(app.privateKeyPem.split('\n')[1]);
    expect(inspect(loaded.config)).toContain('PrivateKeyObject');
  });

  it('accepts the bare base64 public key the Open Platform console shows', () => {
    expect(readAlipayConfigFile(configFile({ ...valid, alipayPublicKeyFile: 'alipay-public-key.txt' })).config.appId).toBe(valid.appId);
  });

  it('names each bad key: URL, app id, seller id, timeout, unknown keys, missing fields', () => {
    expect(refusal({ ...valid, gatewayUrl: 'ftp://example' })).toMatch(/gatewayUrl: must be an http\(s\) URL/);
    expect(refusal({ ...valid, appId: 'app-1' })).toMatch(/appId: must be the app id/);
    expect(refusal({ ...valid, sellerId: '123' })).toMatch(/sellerId: must be a 16-digit seller id/);
    expect(refusal({ ...valid, requestTimeoutMs: 10 })).toMatch(/requestTimeoutMs: /);
    expect(refusal({ ...valid, appPrivateKey: '-----BEGIN' })).toMatch(/Unrecognized key: "appPrivateKey"/);
    const { alipayPublicKeyFile: _omitted, ...missing } = valid;
    expect(refusal(missing)).toMatch(/alipayPublicKeyFile: /);
    expect(refusal('{not json')).toMatch(/cannot read it as JSON/);
  });

  it('refuses missing key files, a private key given as the Alipay public key, and non-key text, without quoting them', () => {
    expect(refusal({ ...valid, appPrivateKeyFile: 'nowhere.pem' })).toMatch(/appPrivateKeyFile \(.*nowhere\.pem\): cannot read it: ENOENT/);
    expect(refusal({ ...valid, alipayPublicKeyFile: 'app-private-key.pem' })).toMatch(/alipayPublicKeyFile \(.*\): holds a private key/);
    expect(refusal({ ...valid, appPrivateKeyFile: 'alipay-public-key.pem' })).toMatch(/appPrivateKeyFile \(.*\): not an RSA private key/);
  });

  it('warns when the app private key is readable by other users (POSIX modes; Windows has none to check)', () => {
    writeFileSync(join(dir, 'loose-key.pem'), app.privateKeyPem);
    chmodSync(join(dir, 'loose-key.pem'), 0o644);
    expect(readAlipayConfigFile(configFile({ ...valid, appPrivateKeyFile: 'loose-key.pem' })).warnings).toEqual(
      process.platform === 'win32' ? [] : [expect.stringMatching(/loose-key\.pem\) is readable by other users; chmod 600 it/)],
    );
  });
});
