import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../../main/app/project-files.js';

interface JsonSchema {
  readonly properties?: Record<string, JsonSchema>;
  readonly definitions?: Record<string, JsonSchema>;
  readonly anyOf?: readonly JsonSchema[];
  readonly $ref?: string;
  readonly type?: string | readonly string[];
}

const config = parse(readFileSync(join(projectRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const builderSchema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('app-builder-lib/scheme.json'), 'utf8')) as JsonSchema;

describe('electron-builder.yml', () => {
  it('flips the fuses that close Node-level ways into the packaged app', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('names only fuses that the installed electron-builder knows (a misspelt one would be dropped)', () => {
    const fuseSchemaReference = builderSchema.properties?.electronFuses?.anyOf?.find((option) => option.$ref)?.$ref;
    expect(fuseSchemaReference).toBe('#/definitions/FuseOptionsV1');
    const knownFuses = builderSchema.definitions?.FuseOptionsV1?.properties ?? {};
    for (const [name, value] of Object.entries(config.electronFuses as Record<string, unknown>)) {
      expect(knownFuses, name).toHaveProperty(name);
      expect(typeof value, name).toBe(knownFuses[name]?.type);
    }
  });

  it('uses only top-level options the installed electron-builder knows', () => {
    const known = Object.keys(builderSchema.properties ?? {});
    expect(Object.keys(config).filter((option) => !known.includes(option))).toEqual([]);
  });

  it('packs the app into an asar with its integrity recorded, as the asar fuses need', () => {
    expect(config.asar).toBe(true);
    expect(config).not.toHaveProperty('disableAsarIntegrity');
  });
});
