import { describe, expect, it } from 'vitest';
import { runTerminalCli } from '../../support/run-terminal-cli.js';
import { publicEmvPayloads, publicInvalidEmvPayloads } from '../../sync/protocol/emv-mpm/public-emv-payloads.js';


const runTerminal = (args: readonly string[]) => runTerminalCli(args, { timeoutMs: 30_000 });

describe('terminal qr (child process)', { timeout: 60_000 }, () => {
  it('encodes a dynamic CNY payload that decodes back, Chinese name included', async () => {
    const encoded = await runTerminal([
      'qr', 'encode', '--amount', '12.50', '--currency', '156', '--name', 'NOODLE BAR', '--city', 'BEIJING',
      '--mcc', '5812', '--country', 'CN', '--bill-number', 'PAY-0001', '--terminal-label', 'COUNTER-1',
      '--merchant-account-id', 'M-0001', '--name-zh', '面馆', '--city-zh', '北京',
    ]);
    expect(encoded).toMatchObject({ code: 0, stderr: '' });
    const payload = encoded.stdout.trim();
    expect(payload).toMatch(/^000201010212.*6304[0-9A-F]{4}$/);

    const decoded = await runTerminal(['qr', 'decode', payload]);
    expect(decoded.code).toBe(0);
    const result = JSON.parse(decoded.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      valid: true,
      errors: [],
      warnings: [],
      pointOfInitiation: '12',
      mcc: '5812',
      currency: '156',
      amount: '12.50',
      country: 'CN',
      merchantName: 'NOODLE BAR',
      merchantCity: 'BEIJING',
      tags: { '26': { '00': 'cn.merchant-terminal', '01': 'M-0001' }, '62': { '01': 'PAY-0001', '07': 'COUNTER-1' }, '64': { '00': 'ZH', '01': '面馆', '02': '北京' } },
    });
  });

  it('encodes a static code with point of initiation 11 and no amount', async () => {
    const encoded = await runTerminal(['qr', 'encode', '--static', '--name', 'KIOSK 7', '--city', 'SHANGHAI']);
    expect(encoded.code).toBe(0);
    expect(encoded.stdout.trim()).toMatch(/^000201010211/);
    expect(encoded.stdout).not.toContain('5405');
  });

  it('decodes public payloads with the documented fields and exits 0', async () => {
    for (const entry of [publicEmvPayloads[0]!, publicEmvPayloads.find((candidate) => candidate.source.startsWith('dtinth/promptpay-qr'))!]) {
      const run = await runTerminal(['qr', 'decode', entry.payload]);
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout) as { valid: boolean; warnings: { code: string }[] } & Record<string, unknown>;
      expect(result).toMatchObject({
        valid: entry.expected.valid,
        pointOfInitiation: entry.expected.pointOfInitiation,
        mcc: entry.expected.mcc,
        currency: entry.expected.currency,
        amount: entry.expected.amount,
        country: entry.expected.country,
        merchantName: entry.expected.merchantName,
        merchantCity: entry.expected.merchantCity,
        crc: entry.expected.crc,
      });
      expect(result.warnings.map((warning) => warning.code)).toEqual(entry.expected.warnings);
    }
  });

  it('exits 1 with the reasons on invalid payloads', async () => {
    const badCrc = await runTerminal(['qr', 'decode', publicInvalidEmvPayloads[0]!.payload]);
    expect(badCrc.code).toBe(1);
    expect(JSON.parse(badCrc.stdout)).toMatchObject({ valid: false, errors: [{ code: 'crc-mismatch' }] });
    const truncated = await runTerminal(['qr', 'decode', publicEmvPayloads[1]!.payload.slice(0, 50)]);
    expect(truncated.code).toBe(1);
    expect(JSON.parse(truncated.stdout)).toMatchObject({ valid: false });
  });

  it('exits 2 naming the problem on bad encode options', async () => {
    const badAmount = await runTerminal(['qr', 'encode', '--amount', '12.505', '--name', 'A', '--city', 'B']);
    expect(badAmount.code).toBe(2);
    expect(badAmount.stderr).toMatch(/^error: --amount/);
    const longName = await runTerminal(['qr', 'encode', '--amount', '1', '--name', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '--city', 'B']);
    expect(longName.code).toBe(2);
    expect(longName.stderr).toContain('merchantName');
    const noAmount = await runTerminal(['qr', 'encode', '--name', 'A', '--city', 'B']);
    expect(noAmount.code).toBe(2);
  });
});
