// Lint rules, including the import directions the architecture depends on. Each restriction's
// message says why, so a violation explains itself.
import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Import specifiers are matched with anchored regexes: bare names for packages, path segments for folders. */
const nodeBuiltins = `^(node:.*|(${builtinModules.map(escape).join('|')})(/.*)?)$`;
const ioPackages = '^(serialport|@serialport/.*|node-hid|better-sqlite3|ws|electron|pino|rotating-file-stream)(/.*)?$';
const folder = (path) => `(^|/)${path}(/|$)`;

const pureCodeRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { regex: nodeBuiltins, message: 'Protocol and domain code is pure (bytes in, bytes out, time passed in): do I/O in a transport, device or service.' },
        { regex: ioPackages, message: 'Protocol and domain code is pure (bytes in, bytes out, time passed in): do I/O in a transport, device or service.' },
        { regex: `${folder('main/(core|app|host|cli|electron|auth|config|logging)')}|${folder('sync')}|${folder('hardware/(transports|devices|simulators|discovery)')}`, message: 'Pure code depends only on other pure code.' },
      ],
    },
  ],
  'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Pure code takes the time as an argument or a Clock; it never reads the wall clock.' }],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'Pure code has no timers: the device or flow owning the clock schedules.' },
    { name: 'setInterval', message: 'Pure code has no timers: the device or flow owning the clock schedules.' },
    { name: 'fetch', message: 'Pure code does no I/O.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: nodeBuiltins, message: 'renderer/ runs in a sandboxed page without Node: ask the core through the contract (main/contract).' },
            { regex: '^electron(/.*)?$', message: 'renderer/ never imports electron: the preload exposes the contract on window.terminal.' },
            { regex: `${folder('hardware')}|${folder('sync')}`, message: 'renderer/ reaches hardware/ and sync/ only through the contract (main/contract).' },
            { regex: '(^|/)main/(?!contract/|domain/)', message: 'renderer/ may import only main/contract and the pure main/domain.' },
          ],
        },
      ],
    },
  },
  {
    files: ['hardware/**'],
    ignores: ['hardware/protocols/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: folder('sync'), message: 'hardware/ and sync/ never import each other: the composition root in main/app wires them.' },
            { regex: '^electron(/.*)?$', message: 'Only main/electron imports electron.' },
            { regex: '(^|/)main/(?!domain/)', message: 'hardware/ depends only on the pure main/domain; main/app composes it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['sync/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: folder('hardware'), message: 'hardware/ and sync/ never import each other: the composition root in main/app wires them.' },
            { regex: '^electron(/.*)?$', message: 'Only main/electron imports electron.' },
            { regex: '(^|/)main/(?!domain/)', message: 'sync/ depends only on the pure main/domain; main/app composes it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**'],
    ignores: ['main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/electron imports electron; the core runs without it (browser mode, tests).' }] }],
    },
  },
  { files: ['hardware/protocols/**', 'main/domain/**', 'main/contract/**'], rules: pureCodeRules },
  {
    files: ['main/domain/clock.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Tests never import or mock electron: logic does not depend on it.' }] }],
    },
  },
);
