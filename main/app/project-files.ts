/** Locations of the project's own files, found from this module whether run from source or dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'package.json')) && (existsSync(join(directory, 'main')) || existsSync(join(directory, 'dist')))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return process.cwd();
    directory = parent;
  }
}

export const projectRoot = findProjectRoot();
export const rendererBuildDir = join(projectRoot, 'dist', 'renderer');
export const packageVersion = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
