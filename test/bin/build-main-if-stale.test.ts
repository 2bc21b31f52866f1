import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findStaleBuildSources } from '../support/build-main-if-stale.js';

/** A two-file project shaped like this one (tsconfig.json + tsconfig.build.json → dist/node), every file dated BASESECONDS. */
function makeProject(baseSeconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'stale-build-'));
  mkdirSync(join(dir, 'main'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true }, include: ['main'] }));
  writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'dist/node', rootDir: '.' }, include: ['main'] }));
  writeFileSync(join(dir, 'main', 'one.ts'), 'export const one = 1;\n');
  writeFileSync(join(dir, 'main', 'two.ts'), 'export const two = 2;\n');
  const files = ['tsconfig.json', 'tsconfig.build.json', 'main/one.ts', 'main/two.ts'];
  for (const file of files) utimesSync(join(dir, file), baseSeconds, baseSeconds);
  const build = (seconds: number) => {
    mkdirSync(join(dir, 'dist', 'node', 'main'), { recursive: true });
    for (const name of ['one', 'two']) {
      writeFileSync(join(dir, 'dist', 'node', 'main', `${name}.js`), '');
      utimesSync(join(dir, 'dist', 'node', 'main', `${name}.js`), seconds, seconds);
    }
  };
  const touch = (file: string, seconds: number) => utimesSync(join(dir, file), seconds, seconds);
  return { dir, build, touch };
}

describe('findStaleBuildSources (the test setup compiles dist/node only when it finds some)', () => {
  const base = 1_800_000_000;

  it('lists every source when nothing is built', () => {
    const project = makeProject(base);
    expect(findStaleBuildSources(project.dir).map((file) => file.slice(project.dir.length + 1))).toEqual(['main/one.ts', 'main/two.ts']);
  });

  it('lists nothing when every output is newer than its source and the tsconfig files', () => {
    const project = makeProject(base);
    project.build(base + 10);
    expect(findStaleBuildSources(project.dir)).toEqual([]);
  });

  it('lists a source edited after the build', () => {
    const project = makeProject(base);
    project.build(base + 10);
    project.touch('main/two.ts', base + 20);
    expect(findStaleBuildSources(project.dir).map((file) => file.slice(project.dir.length + 1))).toEqual(['main/two.ts']);
  });

  it('lists every source when a tsconfig changed after the build', () => {
    const project = makeProject(base);
    project.build(base + 10);
    project.touch('tsconfig.json', base + 20);
    expect(findStaleBuildSources(project.dir)).toHaveLength(2);
  });
});
