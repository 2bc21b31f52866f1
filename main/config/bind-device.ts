/**
 * Binds a device role to a URI in the terminal's configuration file, for the technician's console
 * (`technician.bindDevice`).
 *
 * Contract:
 * - The file is the one the terminal started with, or `<data-dir>/config.yaml` when it started on
 *   the embedded defaults (then created with only a `devices:` section).
 * - The whole resulting document is validated with the start-up validation (load-config.ts)
 *   BEFORE anything is written; a bad result throws `DeviceBindingError` `invalid-config` naming
 *   each offending key, and the file is untouched.
 * - An existing file is first copied to `<file>.<yyyymmddThhmmss>.bak`; the new content replaces it
 *   atomically (temp file, fsync, rename, folder fsync: sync/store/private-file.ts), so a power
 *   cut leaves the old or the new file, never half of one.
 * - A file without a `devices:` section ran on the default devices (simulators); those are
 *   written out with the new binding, so binding one role does not silently drop the others.
 * - YAML comments and key order are kept (`yaml` documents); JSON files are rewritten as JSON.
 * - The running terminal keeps its devices: the binding applies at the next start.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { writePrivateFileDurably } from '../../sync/store/private-file.js';
import type { TerminalConfig } from './config-schema.js';
import { ConfigError, validateConfig, type ConfigProblem } from './load-config.js';

export type DeviceBindingErrorCode = 'unknown-role' | 'invalid-config' | 'unreadable-file' | 'write-failed';

export class DeviceBindingError extends Error {
  override readonly name = 'DeviceBindingError';
  constructor(
    readonly code: DeviceBindingErrorCode,
    message: string,
    readonly problems: readonly ConfigProblem[] = [],
  ) {
    super(message);
  }
}

/** `receiptPrinter`, `scanner`, `vendingBoard` or `kitchenPrinter:<station>`: the key path under `devices`. */
export function deviceRoleKeyPath(role: string): string[] {
  if (role === 'receiptPrinter' || role === 'scanner' || role === 'vendingBoard') return ['devices', role];
  const station = /^kitchenPrinter:([a-z0-9][a-z0-9_-]{0,47})$/.exec(role)?.[1];
  if (station) return ['devices', 'kitchenPrinters', station];
  throw new DeviceBindingError('unknown-role', `"${role}" is not a device role (receiptPrinter, scanner, vendingBoard or kitchenPrinter:<station>)`);
}

export interface DeviceBinding {
  readonly configFile: string;
  /** The copy of the previous file; null when the file was created. */
  readonly backupFile: string | null;
  readonly keyPath: string;
}

function timestamp(atMs: number): string {
  return new Date(atMs).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/** Writes ROLE = URI into CONFIGFILE as described above. EFFECTIVEDEVICES: the devices the terminal runs with. */
export function bindDeviceInConfigFile(options: { readonly configFile: string; readonly effectiveDevices: TerminalConfig['devices']; readonly role: string; readonly uri: string; readonly atMs: number }): DeviceBinding {
  const { configFile, role, uri } = options;
  const keyPath = deviceRoleKeyPath(role);
  const exists = existsSync(configFile);
  let text = '';
  if (exists) {
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new DeviceBindingError('unreadable-file', `cannot read ${configFile}: ${(error as Error).message}`);
    }
  }
  const isJson = extname(configFile).toLowerCase() === '.json';
  const document = parseDocument(isJson ? (text.trim() === '' ? '{}' : text) : text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new DeviceBindingError('unreadable-file', `${configFile} is not valid ${isJson ? 'JSON' : 'YAML'}: ${document.errors[0]?.message.split('\n')[0] ?? ''}`);
  if (!document.has('devices')) {
    const defaults = Object.fromEntries(Object.entries(options.effectiveDevices).filter(([, value]) => value !== undefined && !(typeof value === 'object' && Object.keys(value).length === 0)));
    document.set('devices', document.createNode(defaults));
  }
  document.setIn(keyPath, uri);
  const content = document.toJS() as unknown;
  try {
    validateConfig(content, configFile);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new DeviceBindingError('invalid-config', `binding ${role} to ${uri} would make the configuration invalid: ${error.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, error.problems);
    }
    throw error;
  }
  const next = isJson ? `${JSON.stringify(content, null, 2)}\n` : document.toString();
  const backupFile = exists ? `${configFile}.${timestamp(options.atMs)}.bak` : null;
  try {
    if (backupFile) copyFileSync(configFile, backupFile);
    writePrivateFileDurably(configFile, next);
  } catch (error) {
    throw new DeviceBindingError('write-failed', `cannot write ${configFile}: ${(error as Error).message}`);
  }
  return { configFile, backupFile, keyPath: keyPath.join('.') };
}
