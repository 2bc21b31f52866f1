/**
 * Issue #8, hole 8, through the CLI as child processes: `terminal backend --tls-cert --tls-key`
 * serves HTTPS and prints the certificate pin, `terminal backend enroll --tls-cert` prints a code
 * carrying it, and `terminal enroll` with that code stores the pin, so the terminal's signed calls
 * are pinned. A non-loopback --host without TLS exits 2 unless --insecure-http (192.0.2.1 is never
 * this machine's: with the flag the start gets as far as the bind, which fails).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendHttpClient } from '../../../sync/client/backend-http-client.js';
import { TerminalCredentialStore } from '../../../sync/client/terminal-credential-store.js';
import { routePath, terminalInfoResponseSchema } from '../../../sync/protocol/backend-api.js';
import { runTerminalCli } from '../../support/run-terminal-cli.js';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../backend/self-signed-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'backend-tls-cli-'));
const dbFile = join(dir, 'backend.sqlite');
const env = { ...process.env, TERMINAL_DATA_DIR: dir };
const terminal = (args: string[]) => runTerminalCli(args, { env });

let certificate: SelfSignedCertificate;
let backend: ChildProcess;
let url = '';
let output = '';

beforeAll(async () => {
  certificate = await makeSelfSignedCertificate('cli');
  backend = spawn(process.execPath, ['bin/terminal.js', 'backend', '--sandbox', '--port', '0', '--db', dbFile, '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    backend.stdout?.setEncoding('utf8');
    backend.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const match = /backend: listening on (https:\/\/\S+)/.exec(output);
      if (match?.[1] && output.includes('sandbox wallet:')) resolve(match[1]);
    });
    backend.once('exit', (code) => reject(new Error(`the backend exited early (${code}): ${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (backend.exitCode === null) {
    const exited = new Promise<number | null>((resolve) => backend.once('exit', (code) => resolve(code)));
    backend.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('terminal backend with TLS, as child processes', { timeout: 120_000 }, () => {
  it('serves HTTPS, prints the pin; a pinned code enrolls a terminal whose signed calls are pinned', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`tls: on (certificate sha256 ${certificate.pin}`);
    const issued = await terminal(['backend', 'enroll', '--name', 'Counter TLS', '--db', dbFile, '--tls-cert', certificate.certFile]);
    expect(issued.code).toBe(0);
    const code = /^code: (\S+)$/m.exec(issued.stdout)?.[1] ?? '';
    expect(code).toMatch(new RegExp(`^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}#sha256=${certificate.pin}$`));

    const terminalDir = mkdtempSync(join(tmpdir(), 'backend-tls-terminal-'));
    try {
      const enrolled = await terminal(['enroll', '--backend', url, '--code', code, '--data-dir', terminalDir]);
      expect(enrolled.stderr).toBe('');
      expect(enrolled.code).toBe(0);
      const identity = new TerminalCredentialStore(terminalDir).load();
      expect(identity?.certificatePin).toBe(certificate.pin);
      if (!identity) throw new Error('no identity stored');
      const client = new BackendHttpClient({ baseUrl: identity.backendUrl, credentials: identity, clock: { nowMs: () => Date.now() } });
      expect((await client.call('GET', routePath('terminalInfo'), terminalInfoResponseSchema)).body?.terminalName).toBe('Counter TLS');
    } finally {
      rmSync(terminalDir, { recursive: true, force: true });
    }
  });

  it('refuses a non-loopback --host without TLS (exit 2), and lets --insecure-http try the bind', async () => {
    const otherDb = join(dir, 'other.sqlite');
    const [refused, insecure, halfTls] = await Promise.all([
      terminal(['backend', '--sandbox', '--host', '192.0.2.1', '--port', '0', '--db', otherDb]),
      terminal(['backend', '--sandbox', '--host', '192.0.2.1', '--port', '0', '--db', otherDb, '--insecure-http']),
      terminal(['backend', '--sandbox', '--port', '0', '--db', otherDb, '--tls-cert', certificate.certFile]),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).not.toContain('listening');
    expect(refused.stderr).toMatch(/^error: refusing plain HTTP on 192\.0\.2\.1, which is not loopback.*--tls-cert FILE --tls-key FILE.*--insecure-http/);
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toContain('EADDRNOTAVAIL');
    expect(insecure.stderr).not.toContain('refusing');
    expect(halfTls.code).toBe(2);
    expect(halfTls.stderr).toContain('--tls-cert and --tls-key go together');
  });

  it('refuses to start with no provider (exit 2), naming --sandbox and --alipay-config', async () => {
    const result = await terminal(['backend', '--port', '0', '--db', join(dir, 'none.sqlite')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--alipay-config FILE.*--sandbox/);
  });
});
