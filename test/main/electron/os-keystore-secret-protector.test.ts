import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseSecretProtection,
  credentialKeyFile,
  OsKeystoreError,
  OsKeystoreSecretProtector,
  prepareSecretProtection,
  type OsKeystore,
} from '../../../main/electron/os-keystore-secret-protector.js';
import { CredentialStoreError, TerminalCredentialStore, type StoredIdentity } from '../../../sync/client/terminal-credential-store.js';

/**
 * Stands in for Electron's safeStorage: seals with a key only this fake holds (XOR, enough to
 * tell sealed from plain), so a second fake is "another OS account" that cannot open the first one's secrets.
 */
class FakeKeystore implements OsKeystore {
  available = true;
  backend = 'gnome_libsecret';
  failEncrypt = false;
  /** Returns a changed text from decryptString, as a broken keystore would. */
  garbleDecrypt = false;
  private readonly key = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));

  isEncryptionAvailable(): boolean {
    return this.available;
  }
  getSelectedStorageBackend(): string {
    return this.backend;
  }
  encryptString(plainText: string): Buffer {
    if (this.failEncrypt) throw new Error('keychain locked');
    return this.xor(Buffer.concat([Buffer.from('sealed:'), Buffer.from(plainText, 'utf8')]));
  }
  decryptString(encrypted: Buffer): string {
    const opened = this.xor(encrypted).toString('utf8');
    if (!opened.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return this.garbleDecrypt ? `${opened.slice(7)}x` : opened.slice(7);
  }
  private xor(data: Buffer): Buffer {
    return Buffer.from(data.map((byte, index) => byte ^ (this.key[index % this.key.length] ?? 0)));
  }
}

const identity: StoredIdentity = {
  backendUrl: 'https://pay.example.com',
  terminalId: 'T-0042',
  terminalName: 'Counter 1',
  enrolledAtMs: 1_760_000_000_000,
  terminalSecret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg',
};

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'keystore-'));
}

/** A data directory enrolled the way `terminal enroll` does it (Node, key file). */
function enrolledWithKeyFile(): string {
  const dir = dataDir();
  new TerminalCredentialStore(dir).save(identity);
  return dir;
}

function credentialsFile(dir: string): string {
  return new TerminalCredentialStore(dir).file;
}

describe('choosing how the terminal secret is sealed', () => {
  it('uses the OS keystore when safeStorage can encrypt', () => {
    expect(chooseSecretProtection(new FakeKeystore(), 'linux').kind).toBe('os-keystore');
    expect(chooseSecretProtection(new FakeKeystore(), 'win32').kind).toBe('os-keystore');
  });

  it('falls back to the key file, with a warning, when safeStorage cannot encrypt', () => {
    const keystore = new FakeKeystore();
    keystore.available = false;
    expect(chooseSecretProtection(keystore, 'win32')).toMatchObject({ kind: 'key-file', code: 'os-keystore-unavailable', warning: expect.stringContaining('key file') });
  });

  it('falls back to the key file on Linux without a keyring, where safeStorage would use a built-in key', () => {
    const keystore = new FakeKeystore();
    keystore.backend = 'basic_text';
    expect(chooseSecretProtection(keystore, 'linux')).toMatchObject({ kind: 'key-file', code: 'os-keystore-plain-text' });
    expect(chooseSecretProtection(keystore, 'win32').kind).toBe('os-keystore');
  });
});

describe('the OS keystore protector', () => {
  it('round-trips through the credential store, with neither the secret nor a key file on disk', () => {
    const dir = dataDir();
    const store = new TerminalCredentialStore(dir, new OsKeystoreSecretProtector(new FakeKeystore()));
    store.save(identity);
    expect(store.load()).toEqual(identity);
    const onDisk = readFileSync(store.file, 'utf8');
    expect(onDisk).not.toContain(identity.terminalSecret);
    expect(JSON.parse(onDisk)).toMatchObject({ scheme: 'electron-safe-storage' });
    expect(existsSync(credentialKeyFile(dir))).toBe(false);
  });

  it('answers a coded CredentialStoreError when the keystore cannot open the secret (another OS account)', () => {
    const dir = dataDir();
    new TerminalCredentialStore(dir, new OsKeystoreSecretProtector(new FakeKeystore())).save(identity);
    const error = captureError(() => new TerminalCredentialStore(dir, new OsKeystoreSecretProtector(new FakeKeystore())).load());
    expect(error).toBeInstanceOf(CredentialStoreError);
    expect(error).toBeInstanceOf(OsKeystoreError);
    expect((error as OsKeystoreError).code).toBe('os-keystore-decrypt-failed');
  });
});

describe('preparing the terminal secret before the Electron shell starts', () => {
  it('reseals a secret enrolled with the key file, checks it and deletes the key file', () => {
    const dir = enrolledWithKeyFile();
    const keystore = new FakeKeystore();
    expect(existsSync(credentialKeyFile(dir))).toBe(true);

    const prepared = prepareSecretProtection(dir, keystore, 'linux');

    expect(prepared.protector?.scheme).toBe('electron-safe-storage');
    expect(prepared.notes).toEqual([expect.objectContaining({ level: 'info', code: 'secret-resealed' })]);
    expect(existsSync(credentialKeyFile(dir))).toBe(false);
    expect(new TerminalCredentialStore(dir, prepared.protector).load()).toEqual(identity);
    expect(readFileSync(credentialsFile(dir), 'utf8')).not.toContain(identity.terminalSecret);
  });

  it('leaves a resealed secret alone on the next start', () => {
    const dir = enrolledWithKeyFile();
    const keystore = new FakeKeystore();
    prepareSecretProtection(dir, keystore, 'linux');
    const before = readFileSync(credentialsFile(dir), 'utf8');
    const again = prepareSecretProtection(dir, keystore, 'linux');
    expect(again.notes).toEqual([]);
    expect(again.protector?.scheme).toBe('electron-safe-storage');
    expect(readFileSync(credentialsFile(dir), 'utf8')).toBe(before);
  });

  it('removes a key file left beside an already resealed secret (a crash between the two steps)', () => {
    const dir = dataDir();
    const keystore = new FakeKeystore();
    new TerminalCredentialStore(dir, new OsKeystoreSecretProtector(keystore)).save(identity);
    writeFileSync(credentialKeyFile(dir), randomBytes(32), { mode: 0o600 });
    const prepared = prepareSecretProtection(dir, keystore, 'linux');
    expect(prepared.notes).toEqual([expect.objectContaining({ code: 'key-file-removed' })]);
    expect(existsSync(credentialKeyFile(dir))).toBe(false);
    expect(new TerminalCredentialStore(dir, prepared.protector).load()).toEqual(identity);
  });

  it('keeps the key file and its sealing, and uses it this run, when the keystore cannot seal', () => {
    const dir = enrolledWithKeyFile();
    const before = readFileSync(credentialsFile(dir), 'utf8');
    const keystore = new FakeKeystore();
    keystore.failEncrypt = true;
    const prepared = prepareSecretProtection(dir, keystore, 'linux');
    expect(prepared.protector).toBeUndefined();
    expect(prepared.notes).toEqual([expect.objectContaining({ level: 'warn', code: 'os-keystore-reseal-failed', error: expect.any(OsKeystoreError) })]);
    expect(readFileSync(credentialsFile(dir), 'utf8')).toBe(before);
    expect(new TerminalCredentialStore(dir).load()).toEqual(identity);
  });

  it('writes the key-file sealing back when the keystore gives back a different secret', () => {
    const dir = enrolledWithKeyFile();
    const keystore = new FakeKeystore();
    keystore.garbleDecrypt = true;
    const prepared = prepareSecretProtection(dir, keystore, 'linux');
    expect(prepared.protector).toBeUndefined();
    expect(prepared.notes[0]?.code).toBe('os-keystore-reseal-failed');
    expect(existsSync(credentialKeyFile(dir))).toBe(true);
    expect(new TerminalCredentialStore(dir).load()).toEqual(identity);
  });

  it('changes nothing when the stored secret opens with neither the keystore nor the key file', () => {
    const dir = dataDir();
    new TerminalCredentialStore(dir, new OsKeystoreSecretProtector(new FakeKeystore())).save(identity);
    const before = readFileSync(credentialsFile(dir), 'utf8');
    const prepared = prepareSecretProtection(dir, new FakeKeystore(), 'linux');
    expect(prepared.protector?.scheme).toBe('electron-safe-storage');
    expect(prepared.notes).toEqual([expect.objectContaining({ level: 'warn', code: 'secret-unreadable', error: expect.any(CredentialStoreError) })]);
    expect(readFileSync(credentialsFile(dir), 'utf8')).toBe(before);
  });

  it('keeps the key file, with a warning, where the keystore is unavailable', () => {
    const dir = enrolledWithKeyFile();
    const keystore = new FakeKeystore();
    keystore.available = false;
    const prepared = prepareSecretProtection(dir, keystore, 'linux');
    expect(prepared.protector).toBeUndefined();
    expect(prepared.notes).toEqual([expect.objectContaining({ level: 'warn', code: 'os-keystore-unavailable' })]);
    expect(existsSync(credentialKeyFile(dir))).toBe(true);
    expect(new TerminalCredentialStore(dir).load()).toEqual(identity);
  });

  it('does nothing on disk for a terminal not enrolled yet, and seals its first identity with the keystore', () => {
    const dir = dataDir();
    const prepared = prepareSecretProtection(dir, new FakeKeystore(), 'linux');
    expect(prepared.notes).toEqual([]);
    expect(existsSync(credentialsFile(dir))).toBe(false);
    new TerminalCredentialStore(dir, prepared.protector).save(identity);
    expect(existsSync(credentialKeyFile(dir))).toBe(false);
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
