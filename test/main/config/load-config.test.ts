import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cashDrawerEnabled } from '../../../main/config/config-schema.js';
import { ConfigError, defaultConfig, loadConfigFile, validateConfig } from '../../../main/config/load-config.js';

function problemsOf(document: unknown): string[] {
  try {
    validateConfig(document, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('configuration validation', () => {
  it('gives a complete configuration from the embedded defaults', () => {
    const config = defaultConfig();
    expect(config.backend.url).toBe('sandbox');
    expect(config.devices).toMatchObject({ receiptPrinter: 'sim:printer', scanner: 'sim:scanner', vendingBoard: 'sim:board' });
    expect(config.localApi).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.security).toEqual({ pinMaxAttempts: 5, pinLockoutSeconds: 300 });
    expect(config.offline).toEqual({ perPaymentCapMinor: 20000, totalStoredCapMinor: 200000, maxAgeHours: 24 });
    expect(config.catalog.products.length).toBeGreaterThan(0);
    expect(config.users.map((user) => user.role).sort()).toEqual(['cashier', 'supervisor', 'technician']);
  });

  it('fills missing fields of a section from defaults', () => {
    const config = validateConfig({ terminal: { mode: 'kiosk' } });
    expect(config.terminal).toEqual({ id: 'T-001', name: 'Demo terminal', mode: 'kiosk', locale: 'zh-CN' });
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown top-level key', { colour: 'red' }, /^colour: unknown key/],
    ['an unknown nested key', { terminal: { mdoe: 'kiosk' } }, /^terminal\.mdoe: unknown key/],
    ['a wrong mode', { terminal: { mode: 'shop' } }, /^terminal\.mode: expected one of "counter".*"kiosk".*"technician".*got "shop"/],
    ['a bad terminal id', { terminal: { id: 'till 1' } }, /^terminal\.id: expected an id of capitals/],
    ['a float price', { catalog: { categories: [{ id: 'a', name: { 'zh-CN': '甲' } }], products: [{ id: 'p', categoryId: 'a', name: { 'zh-CN': '乙' }, priceMinor: 12.5 }] } }, /^catalog\.products\[0\]\.priceMinor: expected a whole number of minor units .* got 12\.5$/],
    ['a price as text', { catalog: { categories: [{ id: 'a', name: { 'zh-CN': '甲' } }], products: [{ id: 'p', categoryId: 'a', name: { 'zh-CN': '乙' }, priceMinor: '12.50' }] } }, /^catalog\.products\[0\]\.priceMinor: expected an amount in minor units/],
    ['a negative cap', { offline: { perPaymentCapMinor: -1 } }, /^offline\.perPaymentCapMinor: expected an amount of 0 or more/],
    ['a bad device URI', { devices: { receiptPrinter: 'lpt1' } }, /^devices\.receiptPrinter: "lpt1": unknown scheme/],
    ['a bad baud rate', { devices: { scanner: 'serial:/dev/ttyACM0?baud=1234' } }, /^devices\.scanner: .*baud must be one of/],
    ['a kitchen printer with a bad URI', { devices: { kitchenPrinters: { hot: 'socket://:9100' } } }, /^devices\.kitchenPrinters\.hot: .*expected socket:\/\/HOST:PORT/],
    ['a non-loopback API address', { localApi: { host: '0.0.0.0' } }, /^localApi\.host: expected a loopback address/],
    ['a port out of range', { localApi: { port: 70000 } }, /^localApi\.port: expected a TCP port/],
    ['a backend that is no URL', { backend: { url: 'ftp://x' } }, /^backend\.url: expected "sandbox" .* or an http\(s\):\/\/ URL/],
    ['a plain PIN instead of a hash', { users: [{ id: 't', name: 'T', role: 'technician', pinHash: '1234' }] }, /^users\[0\]\.pinHash: expected a scrypt PIN hash/],
    ['a PIN key', { users: [{ id: 't', name: 'T', role: 'technician', pin: '1234' }] }, /^users\[0\]\.pin: unknown key|^users\[0\]\.pinHash/],
    ['no technician', { users: [{ id: 'c', name: 'C', role: 'cashier', pinHash: defaultConfig().users[0]!.pinHash }] }, /^users: expected at least one user with role "technician"/],
    ['a product in an unknown category', { catalog: { categories: [{ id: 'a', name: { 'zh-CN': '甲' } }], products: [{ id: 'p', categoryId: 'b', name: { 'zh-CN': '乙' }, priceMinor: 100 }] }, planogram: { slots: [] } }, /^catalog\.products\[0\]\.categoryId: expected one of the category ids \(a\), got "b"/],
    ['a slot with an unknown product', { planogram: { slots: [{ slot: 1, productId: 'ghost', capacity: 5, stock: 1 }] } }, /^planogram\.slots\[0\]\.productId: unknown product "ghost"/],
    ['stock over capacity', { planogram: { slots: [{ slot: 1, productId: 'cola', capacity: 5, stock: 6 }] } }, /^planogram\.slots\[0\]\.stock: stock \(6\) exceeds the slot capacity \(5\)/],
    ['a list at the top level', [1, 2], /^: expected a mapping of sections at the top level, got a list/],
  ])('names the key for %s', (_label, document, message) => {
    const problems = problemsOf(document);
    expect(problems.some((problem) => message.test(problem)), `problems were: ${problems.join(' | ')}`).toBe(true);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ colour: 'red', terminal: { mode: 'shop' }, localApi: { port: -1 } })).toHaveLength(3);
  });
});

describe('loadConfigFile', () => {
  const folder = mkdtempSync(join(tmpdir(), 'config-'));
  const write = (name: string, text: string) => {
    const file = join(folder, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads YAML and JSON', () => {
    expect(loadConfigFile(write('a.yaml', 'terminal:\n  mode: technician\n')).terminal.mode).toBe('technician');
    expect(loadConfigFile(write('b.json', '{"terminal":{"locale":"en"}}')).terminal.locale).toBe('en');
  });

  it.each([
    ['missing.yaml', undefined, /cannot read the configuration file: file not found/],
    ['broken.json', '{"terminal": ', /not valid JSON/],
    ['broken.yaml', 'terminal: [unclosed', /not valid YAML/],
    ['dupe.yaml', 'terminal: {}\nterminal: {}\n', /not valid YAML/],
    ['config.toml', 'x = 1', /expected a \.json, \.yaml or \.yml file/],
  ])('refuses %s with a clear reason', (name, text, message) => {
    const file = text === undefined ? join(folder, name) : write(name, text);
    expect(() => loadConfigFile(file)).toThrow(message);
    expect(() => loadConfigFile(file)).toThrow(ConfigError);
  });

  it('writes nothing, even for a bad file', () => {
    const before = readdirSync(folder).sort();
    expect(() => loadConfigFile(write('bad.yaml', 'colour: red\n'))).toThrow(/colour: unknown key/);
    expect(readdirSync(folder).sort()).toEqual([...before, 'bad.yaml'].sort());
  });
});

describe('problem wording', () => {
  it('says a required key is missing, and what type a wrong value needed', () => {
    expect(problemsOf({ users: [{ id: 't', name: 'T', role: 'technician' }] })).toContain('users[0].pinHash: required key is missing (expected string)');
    expect(problemsOf({ terminal: { name: 5 } })).toContain('terminal.name: expected string, got 5');
  });
});

describe('devices.cashDrawer', () => {
  it('defaults to true when a receipt printer is configured, and to false without one', () => {
    expect(defaultConfig().devices.cashDrawer).toBeUndefined();
    expect(cashDrawerEnabled(defaultConfig().devices)).toBe(true);
    expect(cashDrawerEnabled(validateConfig({ devices: { receiptPrinter: 'serial:/dev/ttyUSB0' } }).devices)).toBe(true);
    expect(cashDrawerEnabled(validateConfig({ devices: { scanner: 'sim:scanner' } }).devices)).toBe(false);
  });

  it('is switched off with false', () => {
    const config = validateConfig({ devices: { receiptPrinter: 'sim:printer', cashDrawer: false } });
    expect(config.devices.cashDrawer).toBe(false);
    expect(cashDrawerEnabled(config.devices)).toBe(false);
  });

  it('refuses a value that is not a boolean, and true without a receipt printer', () => {
    expect(problemsOf({ devices: { receiptPrinter: 'sim:printer', cashDrawer: 'yes' } })).toContain('devices.cashDrawer: expected true or false, got "yes"');
    expect(problemsOf({ devices: { cashDrawer: true } })).toEqual([expect.stringMatching(/^devices\.cashDrawer: the cash drawer is opened by the receipt printer/)]);
  });
});
