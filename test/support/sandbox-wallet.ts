/** The sandbox wallet as `terminal wallet` uses it: talking to URL with the sandbox key kept in DATADIR. */
import { join } from 'node:path';
import { readSandboxAccessKey, sandboxAccessKeyFileName } from '../../backend/acquirers/sandbox/sandbox-access-key.js';
import { SandboxWalletClient } from '../../backend/acquirers/sandbox/sandbox-wallet-client.js';

export function sandboxWalletFor(url: string, dataDir: string): SandboxWalletClient {
  return new SandboxWalletClient(url, readSandboxAccessKey(join(dataDir, sandboxAccessKeyFileName)));
}
