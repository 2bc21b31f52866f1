/**
 * The sandbox wallet's offline-code signing key, kept in a JSON file readable by its owner only
 * (0600): `{ keyId, publicKeyPem, privateKeyPem }`. The backend (to verify forwarded codes and to
 * publish the public key in the terminals' settings) and `terminal wallet code --offline` (to sign
 * codes with no network) read the same file; whichever starts first creates it. A SANDBOX key:
 * a real wallet keeps its private key on the customer's phone.
 */
import { createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { generateOfflineCodeKeyPair } from '../../../sync/protocol/offline-code.js';

export const sandboxWalletKeyFileName = 'sandbox-wallet-key.json';

const keyFileSchema = z.strictObject({
  keyId: z.string().min(1).max(64),
  publicKeyPem: z.string().includes('BEGIN PUBLIC KEY'),
  privateKeyPem: z.string().includes('BEGIN PRIVATE KEY'),
});
export type SandboxWalletKey = z.infer<typeof keyFileSchema>;

export class SandboxWalletKeyError extends Error {
  override readonly name = 'SandboxWalletKeyError';
}

function readKeyFile(file: string): SandboxWalletKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SandboxWalletKeyError(`cannot read the sandbox wallet key ${file}: ${(error as Error).message}`);
  }
  const result = keyFileSchema.safeParse(parsed);
  if (!result.success) throw new SandboxWalletKeyError(`the sandbox wallet key ${file} is not a key file: ${result.error.issues[0]?.message ?? 'invalid'}`);
  if (createPublicKey(result.data.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString() !== result.data.publicKeyPem) {
    throw new SandboxWalletKeyError(`the sandbox wallet key ${file} holds a public key that does not belong to its private key`);
  }
  return result.data;
}

/** Reads FILE, or creates it (exclusively, 0600) with a fresh Ed25519 key pair when absent. */
export function loadOrCreateSandboxWalletKey(file: string): SandboxWalletKey {
  const pair = generateOfflineCodeKeyPair();
  const key: SandboxWalletKey = { keyId: `sandbox-${Date.now().toString(36)}`, ...pair };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SandboxWalletKeyError(`cannot create the sandbox wallet key ${file}: ${(error as Error).message}`);
  }
  return readKeyFile(file);
}
