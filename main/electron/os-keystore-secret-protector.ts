/**
 * The terminal's backend secret sealed by the operating system's keystore through Electron's
 * `safeStorage` (DPAPI on Windows, the Keychain on macOS, libsecret or KWallet on Linux), so the
 * key no longer sits in a file beside the sealed secret.
 *
 * - `chooseSecretProtection` picks it when `safeStorage` can encrypt with a real keystore; on
 *   Linux without a keyring (`basic_text`, a key compiled into Chromium) it answers the key file
 *   instead, with a warning to log.
 * - `sealWithOsKeystore` runs before the terminal starts: a secret still sealed with the key file
 *   (`terminal enroll` runs in Node, without `safeStorage`) is sealed again with the keystore, checked,
 *   and the key file deleted. Nothing is changed when the stored secret cannot be read.
 *
 * Once sealed this way, only this shell on this OS account can read the secret: the Node and
 * browser shells then answer "enroll again". Electron's `safeStorage` is passed in, so tests use a fake.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStoreError, KeyFileSecretProtector, TerminalCredentialStore, type SecretProtector } from '../../sync/client/terminal-credential-store.js';

/** The part of Electron's `safeStorage` used here; Electron's object satisfies it. */
export interface OsKeystore {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which keystore Chromium selected. */
  getSelectedStorageBackend(): string;
}

/** A keystore operation failed (locked keychain, another OS account, a reinstalled OS). */
export class OsKeystoreError extends CredentialStoreError {
  constructor(
    readonly code: 'os-keystore-encrypt-failed' | 'os-keystore-decrypt-failed',
    message: string,
  ) {
    super(message);
  }
}

/** Sealed form: base64 of what `safeStorage.encryptString` returns. */
export class OsKeystoreSecretProtector implements SecretProtector {
  readonly scheme = 'electron-safe-storage';
  constructor(private readonly keystore: OsKeystore) {}

  encrypt(plain: string): string {
    try {
      return this.keystore.encryptString(plain).toString('base64');
    } catch (error) {
      throw new OsKeystoreError('os-keystore-encrypt-failed', `the OS keystore could not seal the terminal secret (${(error as Error).message})`);
    }
  }

  decrypt(sealed: string): string {
    try {
      return this.keystore.decryptString(Buffer.from(sealed, 'base64'));
    } catch (error) {
      throw new OsKeystoreError('os-keystore-decrypt-failed', `the OS keystore could not open the terminal secret (${(error as Error).message}); enroll again`);
    }
  }
}

export type SecretProtection =
  | { readonly kind: 'os-keystore'; readonly protector: OsKeystoreSecretProtector }
  | { readonly kind: 'key-file'; readonly code: 'os-keystore-unavailable' | 'os-keystore-plain-text'; readonly warning: string };

/** Linux keystores that are a fixed key rather than a keyring; the key file is no weaker. */
const keylessLinuxBackends = new Set(['basic_text', 'unknown']);

/** The keystore protector when KEYSTORE can really encrypt on PLATFORM (call after app `ready`); else the key file and why. */
export function chooseSecretProtection(keystore: OsKeystore, platform: NodeJS.Platform): SecretProtection {
  if (!keystore.isEncryptionAvailable()) {
    return { kind: 'key-file', code: 'os-keystore-unavailable', warning: 'safeStorage cannot encrypt here (no OS keystore): the terminal secret stays sealed with the key file beside it' };
  }
  if (platform === 'linux') {
    const backend = keystore.getSelectedStorageBackend();
    if (keylessLinuxBackends.has(backend)) {
      return { kind: 'key-file', code: 'os-keystore-plain-text', warning: `safeStorage has no keyring here (backend "${backend}"): the terminal secret stays sealed with the key file beside it; install and unlock a keyring (libsecret, KWallet) for the session` };
    }
  }
  return { kind: 'os-keystore', protector: new OsKeystoreSecretProtector(keystore) };
}

export type SealOutcome =
  | { readonly kind: 'not-enrolled' }
  | { readonly kind: 'already-sealed'; readonly removedKeyFile: boolean }
  | { readonly kind: 'resealed' }
  | { readonly kind: 'reseal-failed'; readonly error: CredentialStoreError }
  | { readonly kind: 'unreadable'; readonly error: CredentialStoreError };

/** The key file the credential store uses when no protector is given. */
export function credentialKeyFile(dataDir: string): string {
  return join(new TerminalCredentialStore(dataDir).directory, 'secret.key');
}

/**
 * Makes the identity in DATADIR sealed by PROTECTOR, without a key file beside it:
 * - sealed with the key file: sealed again by PROTECTOR, read back and compared, then the key
 *   file is deleted (`resealed`); when the keystore cannot seal, nothing is written; when it
 *   cannot give the secret back, the key-file sealing is written again; either way the key file
 *   stays (`reseal-failed`);
 * - already sealed by PROTECTOR: a key file left from a crash between the two steps is deleted;
 * - readable with neither: nothing changes (`unreadable`, with the reason).
 * Throws only what is not a `CredentialStoreError` (a full disk while writing, for example).
 */
export function sealWithOsKeystore(dataDir: string, protector: OsKeystoreSecretProtector): SealOutcome {
  const sealedStore = new TerminalCredentialStore(dataDir, protector);
  if (!sealedStore.exists()) return { kind: 'not-enrolled' };
  const keyFile = credentialKeyFile(dataDir);

  const sealedAlready = readIdentity(sealedStore);
  if (sealedAlready.identity) {
    const removedKeyFile = existsSync(keyFile);
    rmSync(keyFile, { force: true });
    return { kind: 'already-sealed', removedKeyFile };
  }

  const keyFileStore = new TerminalCredentialStore(dataDir, new KeyFileSecretProtector(keyFile));
  const { identity, error } = readIdentity(keyFileStore);
  if (!identity) return { kind: 'unreadable', error: error ?? new CredentialStoreError('the stored identity cannot be read') };

  try {
    sealedStore.save(identity);
  } catch (sealError) {
    if (!(sealError instanceof CredentialStoreError)) throw sealError;
    return { kind: 'reseal-failed', error: sealError };
  }
  const readBack = readIdentity(sealedStore);
  if (readBack.identity?.terminalSecret !== identity.terminalSecret) {
    keyFileStore.save(identity);
    return { kind: 'reseal-failed', error: readBack.error ?? new OsKeystoreError('os-keystore-decrypt-failed', 'the OS keystore gave back a different terminal secret than it sealed') };
  }
  rmSync(keyFile, { force: true });
  return { kind: 'resealed' };
}

function readIdentity(store: TerminalCredentialStore) {
  try {
    return { identity: store.load(), error: undefined };
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    return { identity: undefined, error };
  }
}

/** Something to log once the terminal's logger exists; CODE names the case. */
export interface ProtectionNote {
  readonly level: 'info' | 'warn';
  readonly code: string;
  readonly message: string;
  readonly error?: CredentialStoreError | undefined;
}

export interface PreparedSecretProtection {
  /** What to pass as `secretProtector` to `startTerminalCore`; undefined means the key file. */
  readonly protector: SecretProtector | undefined;
  readonly notes: readonly ProtectionNote[];
}

/**
 * Chooses how the terminal secret in DATADIR is sealed for this run and moves it there (run
 * after app `ready`, before the terminal starts). The keystore protector is used unless the
 * keystore is unavailable or failed to reseal an existing secret; then the key file, with a warning.
 */
export function prepareSecretProtection(dataDir: string, keystore: OsKeystore, platform: NodeJS.Platform): PreparedSecretProtection {
  const protection = chooseSecretProtection(keystore, platform);
  if (protection.kind === 'key-file') return { protector: undefined, notes: [{ level: 'warn', code: protection.code, message: protection.warning }] };
  const outcome = sealWithOsKeystore(dataDir, protection.protector);
  switch (outcome.kind) {
    case 'not-enrolled':
      return { protector: protection.protector, notes: [] };
    case 'already-sealed':
      return {
        protector: protection.protector,
        notes: outcome.removedKeyFile ? [{ level: 'info', code: 'key-file-removed', message: 'removed the key file left beside the terminal secret sealed by the OS keystore' }] : [],
      };
    case 'resealed':
      return { protector: protection.protector, notes: [{ level: 'info', code: 'secret-resealed', message: 'the terminal secret is now sealed by the OS keystore; its key file was removed' }] };
    case 'reseal-failed':
      return {
        protector: undefined,
        notes: [{ level: 'warn', code: 'os-keystore-reseal-failed', message: 'the OS keystore could not seal the terminal secret: it stays sealed with the key file beside it', error: outcome.error }],
      };
    case 'unreadable':
      return {
        protector: protection.protector,
        notes: [{ level: 'warn', code: 'secret-unreadable', message: 'the stored terminal secret could not be read to seal it with the OS keystore; left as it is', error: outcome.error }],
      };
  }
}
