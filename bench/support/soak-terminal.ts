/**
 * Child process of bench/soak-cash-sales.bench.ts: a whole terminal (the composition root with
 * the embedded sandbox backend, its sync client and the configured devices) serving the local
 * API on loopback, as `terminal start --shell headless` runs it. Prints `url: …` like the CLI,
 * then `ready <json>` with its start-up times. Answers the parent's IPC message "sample" with
 * its memory after a full garbage collection (run with --expose-gc), and stops on "stop".
 * Argument: the data directory (its config.yaml chooses the devices).
 */
import { performance } from 'node:perf_hooks';
import { runBrowserShell } from '../../main/app/run-browser-shell.js';
import { startTerminalCore } from '../../main/app/start-terminal.js';

const dataDir = process.argv[2];
if (!dataDir || !process.send) {
  process.stderr.write('usage: run with an IPC channel: soak-terminal.ts DATA-DIR\n');
  process.exit(2);
}
const send = (message: unknown) => process.send?.(message);
const collect = (globalThis as { gc?: () => void }).gc;

const coreStartedAtMs = performance.now();
const terminal = await startTerminalCore({ dataDir });
const shell = await runBrowserShell(terminal, { openWindow: false, print: (line) => process.stdout.write(`${line}\n`) });
const urlAtMs = performance.now();
send({ kind: 'ready', processStartToUrlMs: urlAtMs, coreStartToUrlMs: urlAtMs - coreStartedAtMs, devices: terminal.config.devices });

process.on('message', (message: unknown) => {
  if (message === 'sample') {
    collect?.();
    const memory = process.memoryUsage();
    send({ kind: 'sample', rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external + memory.arrayBuffers });
  } else if (message === 'stop') {
    void shell
      .stop()
      .then(() => terminal.stop())
      .then(() => process.exit(0));
  }
});
