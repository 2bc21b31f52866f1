/**
 * Hole #8.6: the demo operators (PINs 1111/2222/3333) must exist only with the embedded sandbox
 * backend. A terminal configured with a real backend and no `users` refuses to start.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTerminalCore } from '../../../main/app/start-terminal.js';
import { ConfigError, defaultConfig, validateConfig } from '../../../main/config/load-config.js';
import { demoUsers } from '../../../main/config/demo-data.js';

const ownTechnician = { id: 'wang', name: 'Wang', role: 'technician', pinHash: demoUsers[2]!.pinHash };

function problems(document: unknown): string[] {
  try {
    validateConfig(document, 'test.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
}

describe('demo operators', () => {
  it('are there with the sandbox backend (explicit or by default)', () => {
    expect(defaultConfig().users.map((user) => user.id)).toEqual(['cashier', 'supervisor', 'technician']);
    expect(validateConfig({ backend: { url: 'sandbox' } }).users).toHaveLength(3);
  });

  it.each(['https://pay.example.com', 'http://10.0.0.5:8080/api'])('are refused with the real backend %s when users is omitted, naming the fix', (url) => {
    const found = problems({ backend: { url } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^users: /);
    expect(found[0]).toContain('terminal pin hash');
    expect(found[0]).toContain('sandbox');
  });

  it('a real backend with its own users is fine', () => {
    const config = validateConfig({ backend: { url: 'https://pay.example.com' }, users: [ownTechnician] });
    expect(config.users.map((user) => user.id)).toEqual(['wang']);
  });

  it('a terminal started with a real backend and no users refuses to start and writes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'demo-refused-'));
    writeFileSync(join(dataDir, 'config.yaml'), 'backend:\n  url: https://pay.example.com\n');
    await expect(startTerminalCore({ dataDir })).rejects.toThrow(/users: .*terminal pin hash/);
    expect(readdirSync(dataDir)).toEqual(['config.yaml']);
    expect(existsSync(join(dataDir, 'journal.sqlite'))).toBe(false);
  });
});
