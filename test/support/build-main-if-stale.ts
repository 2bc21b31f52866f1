/**
 * Vitest global setup: tests run `bin/terminal.js`, which runs the compiled JavaScript in
 * dist/node, so before any test starts the main build must match the sources. Compiles
 * tsconfig.build.json (the `tsc` half of `npm run build:main`) only when an output is missing or
 * older than its source or than the tsconfig files; `npm test` builds first, so it compiles nothing
 * here. tsc emits despite type errors: those are printed and the tests run on what it emitted (the
 * typecheck reports them); the run fails only when outputs are still missing or stale afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const buildConfigFiles = ['tsconfig.json', 'tsconfig.build.json'];

/** Sources of CONFIGFILE whose JavaScript output is missing or older than them or than the config; [] when the build is current. */
export function findStaleBuildSources(projectDir: string, configFile = 'tsconfig.build.json'): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(projectDir, configFile), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configFile}`);
  const configChangedMs = Math.max(...buildConfigFiles.map((file) => statSync(join(projectDir, file)).mtimeMs));
  return parsed.fileNames.filter((source) => {
    const output = ts.getOutputFileNames(parsed, source, !ts.sys.useCaseSensitiveFileNames).find((file) => file.endsWith('.js'));
    if (output === undefined) return false;
    if (!existsSync(output)) return true;
    const builtMs = statSync(output).mtimeMs;
    return builtMs < statSync(source).mtimeMs || builtMs < configChangedMs;
  });
}

export default function buildMainIfStale(): void {
  const projectDir = fileURLToPath(new URL('../../', import.meta.url));
  const stale = findStaleBuildSources(projectDir);
  if (stale.length === 0) return;
  process.stdout.write(`test setup: compiling dist/node (${stale.length} of its source files are new or changed since the last build)\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(projectDir, 'tsconfig.build.json')], { cwd: projectDir, encoding: 'utf8' });
  const messages = `${result.stdout}${result.stderr}`;
  const stillStale = findStaleBuildSources(projectDir);
  if (stillStale.length > 0) {
    throw new Error(`tsc -p tsconfig.build.json left ${stillStale.length} outputs missing or stale (exit ${result.status ?? result.signal}), e.g. for ${stillStale[0]}:\n${messages}`);
  }
  if (result.status !== 0) process.stdout.write(`test setup: tsc reported errors (the tests run on what it emitted):\n${messages}`);
}
