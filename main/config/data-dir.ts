/** Where a terminal keeps its journal, logs and runtime files when `--data-dir` is not given. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const appDirectoryName = 'merchant-terminal';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.TERMINAL_DATA_DIR) return env.TERMINAL_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), appDirectoryName);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', appDirectoryName);
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), appDirectoryName);
}

/** The files a running terminal keeps inside its data directory. */
export function dataDirLayout(dataDir: string) {
  return {
    journal: join(dataDir, 'journal.sqlite'),
    logs: join(dataDir, 'logs'),
    runtime: join(dataDir, 'runtime'),
    /** Address and token of the running local API; readable by the owner only (0600). */
    apiEndpoint: join(dataDir, 'runtime', 'local-api.json'),
    instanceLock: join(dataDir, 'runtime', 'terminal.lock'),
    defaultConfigFile: join(dataDir, 'config.yaml'),
    chromiumProfile: join(dataDir, 'chromium-profile'),
  } as const;
}
