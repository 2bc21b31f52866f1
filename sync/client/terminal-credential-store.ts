/**
 * Keeps the terminal's backend identity (backend URL, terminal id, HMAC secret) in the data
 * directory, with the secret encrypted at rest:
 *
 * - Node mode (this file's default): AES-256-GCM with a random 32-byte key kept in
 *   `<dataDir>/credentials/secret.key`, mode 0600 in a 0700 folder. Both files are written with
 *   write-fsync-rename (sync/store/private-file.ts): a power cut leaves the old or the new file,
 *   never an empty one. This protects against the credentials file being copied alone (backups,
 *   logs, support bundles), not against someone who can read the whole data directory as the
 *   terminal's user.
 * - Electron mode: main/electron passes a `SecretProtector` built on `safeStorage`
 *   (`encryptString` / `decryptString`, backed by the OS keychain / DPAPI / libsecret) when
 *   `safeStorage.isEncryptionAvailable()`; logic here never imports Electron.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDirectory, writePrivateFileDurably } from '../store/private-file.js';
import type { TerminalCredentials } from './backend-http-client.js';

export interface SecretProtector {
  /** Names the scheme in the file so a terminal never tries the wrong one. */
  readonly scheme: string;
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
}

const credentialsFileSchema = z.object({
  version: z.literal(1),
  backendUrl: z.string(),
  terminalId: z.string(),
  terminalName: z.string(),
  enrolledAtMs: z.number(),
  scheme: z.string(),
  sealedSecret: z.string(),
  /** The backend certificate's SHA-256 pinned at enrollment (docs/tls.md); absent for loopback/CA-verified backends. */
  certificatePin: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export interface StoredIdentity extends TerminalCredentials {
  readonly backendUrl: string;
  readonly terminalName: string;
  readonly enrolledAtMs: number;
}

/** AES-256-GCM with a key file (0600). Sealed form: base64url(iv).base64url(tag).base64url(ciphertext). */
export class KeyFileSecretProtector implements SecretProtector {
  readonly scheme = 'aes-256-gcm-keyfile';
  constructor(private readonly keyFile: string) {}

  private key(create: boolean): Buffer {
    if (!existsSync(this.keyFile)) {
      if (!create) throw new CredentialStoreError(`the key file ${this.keyFile} is missing: the stored secret cannot be read; enroll again`);
      writePrivateFileDurably(this.keyFile, randomBytes(32));
    }
    const key = readFileSync(this.keyFile);
    if (key.length !== 32) throw new CredentialStoreError(`the key file ${this.keyFile} is damaged (expected 32 bytes)`);
    return key;
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(true), iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join('.');
  }

  decrypt(sealed: string): string {
    const [iv, tag, ciphertext] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !ciphertext) throw new CredentialStoreError('the stored secret is malformed; enroll again');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(false), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      if (error instanceof CredentialStoreError) throw error;
      throw new CredentialStoreError(`the stored secret cannot be decrypted with ${this.keyFile} (${(error as Error).message}); enroll again`);
    }
  }
}

export class TerminalCredentialStore {
  readonly directory: string;
  readonly file: string;
  private readonly protector: SecretProtector;

  constructor(dataDir: string, protector?: SecretProtector) {
    this.directory = join(dataDir, 'credentials');
    this.file = join(this.directory, 'terminal.json');
    this.protector = protector ?? new KeyFileSecretProtector(join(this.directory, 'secret.key'));
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  save(identity: StoredIdentity): void {
    ensurePrivateDirectory(this.directory);
    const content = {
      version: 1 as const,
      backendUrl: identity.backendUrl,
      terminalId: identity.terminalId,
      terminalName: identity.terminalName,
      enrolledAtMs: identity.enrolledAtMs,
      scheme: this.protector.scheme,
      sealedSecret: this.protector.encrypt(identity.terminalSecret),
      ...(identity.certificatePin ? { certificatePin: identity.certificatePin } : {}),
    };
    writePrivateFileDurably(this.file, `${JSON.stringify(content, null, 2)}\n`);
  }

  /** The stored identity, or undefined when the terminal was never enrolled. Throws `CredentialStoreError` when damaged. */
  load(): StoredIdentity | undefined {
    if (!this.exists()) return undefined;
    let parsed;
    try {
      parsed = credentialsFileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (error) {
      throw new CredentialStoreError(`${this.file} is damaged (${(error as Error).message}); enroll again`);
    }
    if (parsed.scheme !== this.protector.scheme) {
      throw new CredentialStoreError(`${this.file} was sealed with "${parsed.scheme}", but this shell uses "${this.protector.scheme}"; enroll again`);
    }
    return {
      backendUrl: parsed.backendUrl,
      terminalId: parsed.terminalId,
      terminalName: parsed.terminalName,
      enrolledAtMs: parsed.enrolledAtMs,
      terminalSecret: this.protector.decrypt(parsed.sealedSecret),
      ...(parsed.certificatePin ? { certificatePin: parsed.certificatePin } : {}),
    };
  }
}
