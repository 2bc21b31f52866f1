/**
 * bin/terminal.js runs the compiled CLI in dist/node (the vitest global setup builds it when
 * stale). These tests check the build is what runs and that it finds the project's files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectRoot, rendererBuildDir } from '../../main/app/project-files.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const packageJson = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

/** The JavaScript files `tsc -p tsconfig.build.json` emits from the current sources (stale leftovers in dist/ excluded). */
function builtJavaScriptFiles(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(repositoryRoot, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.build.json');
  return parsed.fileNames.flatMap((source) => ts.getOutputFileNames(parsed, source, false).filter((file) => file.endsWith('.js')));
}

/** Package names a compiled module loads at run time (static imports, re-exports, dynamic imports). */
function importedPackages(javascript: string): string[] {
  const specifiers = [...javascript.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? '',
  );
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier.split('/')[0] ?? ''))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
}

describe('bin/terminal.js', () => {
  it('prints one error line and exits 1 when the terminal is not built', () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'terminal-unbuilt-'));
    mkdirSync(join(unbuilt, 'bin'));
    copyFileSync(join(repositoryRoot, 'bin', 'terminal.js'), join(unbuilt, 'bin', 'terminal.js'));
    const result = spawnSync(process.execPath, [join(unbuilt, 'bin', 'terminal.js'), '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: the terminal is not built; run npm run build\n');
  });

  it('runs the build, which reads its version from package.json', () => {
    const version = execFileSync(process.execPath, [join(repositoryRoot, 'bin', 'terminal.js'), '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(version.trim()).toBe(packageJson.version);
  });

  it('finds the project root and the renderer build the same way from dist/node as from source', () => {
    const fromDist = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const files = await import(process.argv[1]); process.stdout.write(JSON.stringify({ root: files.projectRoot, renderer: files.rendererBuildDir }));", join(repositoryRoot, 'dist', 'node', 'main', 'app', 'project-files.js')],
      { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 },
    );
    expect(JSON.parse(fromDist)).toEqual({ root: repositoryRoot, renderer: join(repositoryRoot, 'dist', 'renderer') });
    expect({ root: projectRoot, renderer: rendererBuildDir }).toEqual({ root: repositoryRoot, renderer: join(repositoryRoot, 'dist', 'renderer') });
  });

  it('needs at run time only packages listed in dependencies (electron comes with the Electron shell)', () => {
    const providedByShell = new Set(['electron']);
    const missing = new Map<string, string>();
    for (const file of builtJavaScriptFiles()) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) {
        if (!(name in packageJson.dependencies) && !providedByShell.has(name)) missing.set(name, file);
      }
    }
    expect(Object.fromEntries(missing)).toEqual({});
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
  });
});
