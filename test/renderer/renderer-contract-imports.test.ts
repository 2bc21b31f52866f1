import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../main/contract/contract.js';
import { commandNames } from '../../main/contract/contract-names.js';

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('the renderer bundle and the contract', () => {
  it('imports only types from main/contract/contract.ts (its zod schemas stay out of the bundle)', () => {
    const valueImports = sources('renderer').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\s)([^;]*?)from\s+'[./]*main\/contract\/contract\.js';/gms)]
        // `import { type A, type B }` keeps the module (verbatimModuleSyntax): only `import type` is erased.
        .map((match) => `${file}: import ${match[1]?.trim() ?? ''}`),
    );
    expect(valueImports).toEqual([]);
  });

  it('lists every command of the contract in the schema-free names module, in the same order', () => {
    expect([...commandNames]).toEqual(Object.keys(commands));
  });
});
