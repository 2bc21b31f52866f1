/** A TerminalCore on a real journal file, the embedded default config and a fake clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperatorSessions } from '../../main/auth/operator-sessions.js';
import type { TerminalConfig } from '../../main/config/config-schema.js';
import { defaultConfig } from '../../main/config/load-config.js';
import { TerminalCore } from '../../main/core/terminal-core.js';
import type { TerminalMode } from '../../main/domain/roles.js';
import { createSilentLogger } from '../../main/logging/logger.js';
import { Journal } from '../../sync/store/journal.js';
import { FakeClock } from './fake-clock.js';

export interface CoreFixture {
  readonly core: TerminalCore;
  readonly journal: Journal;
  readonly clock: FakeClock;
  readonly config: TerminalConfig;
  readonly journalFile: string;
  close(): void;
}

export function createCoreFixture(options: { mode?: TerminalMode; journalFile?: string; clock?: FakeClock; config?: TerminalConfig } = {}): CoreFixture {
  const config = options.config ?? defaultConfig();
  const clock = options.clock ?? new FakeClock();
  const journalFile = options.journalFile ?? join(mkdtempSync(join(tmpdir(), 'core-')), 'journal.sqlite');
  const journal = Journal.open(journalFile, { nowMs: () => clock.nowMs() });
  const logger = createSilentLogger();
  const sessions = new OperatorSessions(config.users, journal, clock, { maxAttempts: config.security.pinMaxAttempts, lockoutMs: config.security.pinLockoutSeconds * 1000 });
  const core = new TerminalCore({ config, mode: options.mode ?? 'counter', journal, sessions, clock, logger, dataDir: '/tmp/test-data', version: '0.0.0-test' });
  return { core, journal, clock, config, journalFile, close: () => journal.close() };
}
