/**
 * `terminal backend --alipay-config FILE` as a child process: a bad file stops it with the key
 * named and no key text printed; a good one serves, and a customer-presented Alipay code is paid
 * through the real CLI backend → Alipay provider → the local fake gateway (never the internet).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerminalCli } from '../../support/run-terminal-cli.js';
import { enrollResponseSchema, paymentResponseSchema } from '../../../sync/protocol/backend-api.js';
import { AlipayFakeGateway, generateRsaKeyPair, type RsaKeyPair } from '../../support/alipay-fake-gateway.js';
import { TerminalClient } from '../../backend/backend-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'backend-alipay-cli-'));
const dbFile = join(dir, 'backend.sqlite');
const env = { ...process.env, TERMINAL_DATA_DIR: dir };
const appId = '2021000123456789';
let merchant: RsaKeyPair;
let gateway: AlipayFakeGateway;

const terminal = (args: string[]) => runTerminalCli(args, { env });

function writeConfig(name: string, content: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  merchant = generateRsaKeyPair();
  gateway = await AlipayFakeGateway.start({ appId, appPublicKeyPem: merchant.publicKeyPem, nowMs: () => Date.now() });
  writeFileSync(join(dir, 'app-private-key.pem'), merchant.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'alipay-public-key.pem'), gateway.keys.publicKeyPem);
});

let backend: ChildProcess | undefined;
afterAll(async () => {
  if (backend && backend.exitCode === null) {
    const exited = new Promise<number | null>((resolve) => backend?.once('exit', (code) => resolve(code)));
    backend.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('terminal backend --alipay-config', { timeout: 120_000 }, () => {
  it('refuses a bad config naming the key, and never prints key text', async () => {
    const bad = writeConfig('bad.json', { gatewayUrl: gateway.url, appId: 'x', appPrivateKeyFile: 'app-private-key.pem', alipayPublicKeyFile: 'app-private-key.pem' });
    const result = await terminal(['backend', '--port', '0', '--db', dbFile, '--no-sandbox', '--alipay-config', bad]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--alipay-config: .*appId: must be the app id/);
    const noKeyMix = writeConfig('mixed.json', { gatewayUrl: gateway.url, appId, appPrivateKeyFile: 'app-private-key.pem', alipayPublicKeyFile: 'app-private-key.pem' });
    const mixed = await terminal(['backend', '--port', '0', '--db', dbFile, '--no-sandbox', '--alipay-config', noKeyMix]);
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(/alipayPublicKeyFile \(.*\): holds a private key/);
    expect(result.stdout + result.stderr + mixed.stdout + mixed.stderr).not.toContain(merchant.privateKeyPem.split('\n')[1]);
  });

  it('serves with Alipay as the only provider; an Alipay code is paid through the fake gateway', async () => {
    const config = writeConfig('alipay.json', { gatewayUrl: gateway.url, appId, appPrivateKeyFile: 'app-private-key.pem', alipayPublicKeyFile: 'alipay-public-key.pem' });
    const child = spawn(process.execPath, ['bin/terminal.js', 'backend', '--port', '0', '--db', dbFile, '--no-sandbox', '--alipay-config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    backend = child;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        const match = /backend: listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`the backend exited early (${code}): ${output}`)));
    });
    expect(output).toContain(`alipay: on (app id ${appId}, gateway ${gateway.url})`);
    expect(output).not.toContain(merchant.privateKeyPem.split('\n')[1]);

    const enroll = await terminal(['backend', 'enroll', '--name', 'Counter Alipay', '--db', dbFile]);
    const code = /^code: (\S+)$/m.exec(enroll.stdout)?.[1];
    const enrolled = enrollResponseSchema.parse(await (await fetch(`${url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })).json());
    const client = new TerminalClient(url, enrolled.terminalId, enrolled.terminalSecret, { nowMs: () => Date.now() });
    const paid = await client.request('POST', '/v1/payments/customer-presented', { paymentId: 'cli-alipay-0000001', amountMinor: 1999, currency: 'CNY', code: '284436729184637291' });
    expect(paid.status).toBe(201);
    expect(paymentResponseSchema.parse(paid.json).payment).toMatchObject({ provider: 'alipay', status: 'paid', amountMinor: 1999 });
    expect(gateway.requestsFor('alipay.trade.pay')).toEqual([expect.objectContaining({ signatureValid: true, biz: expect.objectContaining({ out_trade_no: 'cli-alipay-0000001', total_amount: '19.99' }) })]);
  });
});
