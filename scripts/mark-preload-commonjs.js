// The preload is compiled to CommonJS (sandboxed preloads cannot be ES modules); mark its folder so.
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist/preload', { recursive: true });
writeFileSync('dist/preload/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
