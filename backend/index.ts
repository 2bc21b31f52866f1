/**
 * The reference payment backend's one public entry. Outside `backend/`, only the terminal's
 * composition root (`main/app`, for the embedded sandbox) and the CLI (`terminal backend …`,
 * `terminal wallet …`) import it, and only through this file (lint: eslint.config.js). What the
 * terminal and the backend share on the wire lives in `sync/protocol/`, not here.
 */
export { startBackend, type BackendOptions, type RunningBackend } from './start-backend.js';
export { openBackendDatabase, BackendDatabaseError } from './storage/backend-database.js';
export { BackendError } from './services/backend-error.js';
export { DistributionStore } from './services/distribution-store.js';
export { TerminalRegistry } from './services/terminal-registry.js';
export type { PaymentProvider } from './acquirers/payment-provider.js';
export { AlipayConfigError, readAlipayConfigFile } from './acquirers/alipay/alipay-config-file.js';
export { AlipayFaceToFaceProvider } from './acquirers/alipay/alipay-face-to-face-provider.js';
export { SandboxWalletClient, SandboxWalletClientError } from './acquirers/sandbox/sandbox-wallet-client.js';
export { loadOrCreateSandboxWalletKey, sandboxWalletKeyFileName } from './acquirers/sandbox/sandbox-wallet-key.js';
export { BackendStartError, type BackendStartErrorCode } from './start-backend.js';
export { BackendTlsError, readBackendTls, readCertificatePin, type BackendTls } from './http/backend-tls.js';
export { loadOrCreateSandboxAccessKey, readSandboxAccessKey, SandboxAccessKeyError, sandboxAccessKeyFileName } from './acquirers/sandbox/sandbox-access-key.js';
