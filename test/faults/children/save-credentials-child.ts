/**
 * Child for durable-write.test.ts: saves a terminal identity with the Node-mode credential store
 * into DATA_DIR (creating its key file), so the parent can trace the system calls it makes.
 *
 * argv: DATA_DIR
 */
import { TerminalCredentialStore } from '../../../sync/client/terminal-credential-store.js';

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: save-credentials-child DATA_DIR');
new TerminalCredentialStore(dataDir).save({ backendUrl: 'https://pay.example.com', terminalId: 'T-DURABLE', terminalName: 'Durable', enrolledAtMs: 1, terminalSecret: 'not-a-real-secret' });
process.stdout.write('saved\n');
