/**
 * Reads and validates a configuration file (JSON or YAML). Never writes anything. Every error
 * names the key path and what was expected; all problems are reported together.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { findCatalogProblems } from '../domain/catalog.js';
import { catalogSchema, configSchema, planogramSchema, userSchema, type TerminalConfig } from './config-schema.js';
import { demoCatalog, demoPlanogram, demoUsers } from './demo-data.js';

export interface ConfigProblem {
  /** Dotted key path from the file's root, like `devices.receiptPrinter` or `catalog.products[2].priceMinor`. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${source}: ${problems.map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message)).join('; ')}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text.length === 0 ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function toProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown key (check the spelling; see the configuration reference in README.md)' }));
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      return toProblems(issue.errors.flat(), path);
    }
    if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
      // zod's default wording; say it the way a technician reads it.
      const message = issue.input === undefined ? `required key is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
      return [{ path: formatPath(path), message }];
    }
    const got = 'input' in issue && issue.code !== 'custom' ? `, got ${describeValue(issue.input)}` : '';
    return [{ path: formatPath(path), message: `${issue.message.replace(/^Invalid option: /, '')}${got}` }];
  });
}

/** Validates an already-parsed document; throws `ConfigError` listing every problem. */
export function validateConfig(document: unknown, source = 'configuration'): TerminalConfig {
  if (document === null || document === undefined) document = {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(source, [{ path: '', message: `expected a mapping of sections at the top level, got ${describeValue(document)}` }]);
  }
  const result = configSchema.safeParse(document, { reportInput: true });
  if (!result.success) throw new ConfigError(source, toProblems(result.error.issues));
  const parsed = result.data;
  if (parsed.users === undefined && parsed.backend.url !== 'sandbox') {
    // The demo PINs are printed in the README: on a terminal that takes real money they would be
    // an open door. (The URL is not echoed: it may carry credentials.)
    throw new ConfigError(source, [
      {
        path: 'users',
        message:
          'required with a real backend: the demo operators (PINs 1111, 2222, 3333) exist only with `backend.url: sandbox`. ' +
          'Add your operators, each with a PIN hash printed by `terminal pin hash`, for example: users: [{ id: wang, name: Wang, role: technician, pinHash: "scrypt$…" }]',
      },
    ]);
  }
  const config: TerminalConfig = {
    ...parsed,
    catalog: parsed.catalog ?? catalogSchema.parse(demoCatalog),
    planogram: parsed.planogram ?? planogramSchema.parse(demoPlanogram),
    users: parsed.users ?? demoUsers.map((user) => userSchema.parse(user)),
  };
  const problems: ConfigProblem[] = findCatalogProblems(config.catalog, config.planogram);
  const userIds = new Set<string>();
  config.users.forEach((user, index) => {
    if (userIds.has(user.id)) problems.push({ path: `users[${index}].id`, message: `duplicate user id "${user.id}"` });
    userIds.add(user.id);
  });
  if (!config.users.some((user) => user.role === 'technician')) {
    problems.push({ path: 'users', message: 'expected at least one user with role "technician" (someone must be able to configure the terminal)' });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/** Reads FILE (`.json`, `.yaml` or `.yml`), validates it and returns the full configuration. */
export function loadConfigFile(file: string): TerminalConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError(file, [{ path: '', message: `cannot read the configuration file: ${reason}` }]);
  }
  const extension = extname(file).toLowerCase();
  let document: unknown;
  try {
    if (extension === '.json') document = JSON.parse(text);
    else if (extension === '.yaml' || extension === '.yml') document = parseYaml(text, { uniqueKeys: true, prettyErrors: true });
    else throw new ConfigError(file, [{ path: '', message: 'expected a .json, .yaml or .yml file' }]);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : (error as Error).message;
    throw new ConfigError(file, [{ path: '', message: `not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${detail}` }]);
  }
  return validateConfig(document, file);
}

/** The embedded defaults: sandbox backend, simulated devices, demo menu, planogram and users (sandbox only). */
export function defaultConfig(): TerminalConfig {
  return validateConfig({}, 'embedded defaults');
}
