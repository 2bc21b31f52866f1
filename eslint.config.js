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
        { regex: `${folder('main/(core|app|host|cli|electron|auth|config|logging|devices|payments|vending)')}|${folder('sync')}|${folder('backend')}|${folder('hardware/(transports|devices|simulators|discovery|printers|scanners|vending)')}`, message: 'Pure code depends only on other pure code (kernel/, main/domain, main/contract, hardware/protocols).' },
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

/** Outside backend/, the reference backend is reached only through its one entry, backend/index.ts. */
const backendInternals = { regex: '(^|/)backend/(?!index\\.js$)', message: 'Import the reference backend only through backend/index.js, its one public entry.' };
const noBackend = { regex: '(^|/)backend/', message: 'Only the composition root (main/app) and the CLI (main/cli) start the reference backend; the terminal talks to it over the wire (sync/protocol, sync/client).' };
const noElectron = { regex: '^electron(/.*)?$', message: 'Only main/electron imports electron; the core runs without it (browser mode, tests).' };

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
    // kernel/: clock, timers, money, backoff, CRC. Every layer may import it; it imports nothing but itself.
    files: ['kernel/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./)', message: 'kernel/ imports nothing outside itself: it is the one folder every layer (main, renderer, hardware, sync, backend) may use.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Kernel code takes the time as an argument or a Clock; only kernel/clock.ts reads the wall clock.' }],
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
            { regex: `${folder('hardware')}|${folder('sync')}|${folder('backend')}`, message: 'renderer/ reaches hardware/, sync/ and backend/ only through the contract (main/contract).' },
            { regex: '(^|/)main/(?!contract/|domain/)', message: 'renderer/ may import only main/contract, the pure main/domain and kernel/.' },
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
            noBackend,
            noElectron,
            { regex: '(^|/)main/(?!domain/)', message: 'hardware/ depends only on kernel/ and the pure main/domain; main/app composes it.' },
          ],
        },
      ],
    },
  },
  {
    // sync/protocol/: what terminal and backend share on the wire (routes, zod schemas, signing,
    // canonical JSON, offline codes, EMV QR payloads). Both programs import it; it imports only kernel/.
    files: ['sync/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\.|node:crypto$|zod$)', message: 'sync/protocol/ is shared by terminal and backend: it may use kernel/, zod and node:crypto only.' },
            { regex: `${folder('main')}|${folder('hardware')}|${folder('backend')}|${folder('renderer')}|(^|/)(client|store)/`, message: 'sync/protocol/ is shared by terminal and backend: it may use kernel/, zod and node:crypto only.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Protocol code takes the time as an argument.' }],
    },
  },
  {
    files: ['sync/**'],
    ignores: ['sync/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: folder('hardware'), message: 'hardware/ and sync/ never import each other: the composition root in main/app wires them.' },
            noBackend,
            noElectron,
            { regex: '(^|/)main/(?!domain/)', message: 'sync/ depends only on kernel/, sync/protocol and the pure main/domain; main/app composes it.' },
          ],
        },
      ],
    },
  },
  {
    // backend/: the reference payment backend, its own program. It shares only kernel/ and sync/protocol with the terminal.
    files: ['backend/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `${folder('main')}|${folder('hardware')}|${folder('renderer')}|(^|/)sync/(?!protocol/)`, message: 'backend/ is its own program: it shares only kernel/ and sync/protocol/ with the terminal.' },
            noElectron,
          ],
        },
      ],
    },
  },
  {
    files: ['main/**'],
    ignores: ['main/electron/**', 'main/app/**', 'main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: noElectron.message }], patterns: [noBackend] }],
    },
  },
  {
    files: ['main/app/**', 'main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: noElectron.message }], patterns: [backendInternals] }],
    },
  },
  {
    files: ['main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noBackend] }] },
  },
  { files: ['hardware/protocols/**', 'main/domain/**', 'main/contract/**'], rules: pureCodeRules },
  {
    files: ['kernel/clock.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Tests never import or mock electron: logic does not depend on it.' }] }],
    },
  },
);
