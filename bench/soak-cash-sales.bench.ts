/**
 * Soak: N cash sales through the local API of a whole terminal (child process: composition
 * root, embedded sandbox backend with its sync client, local API on 127.0.0.1) with the default
 * devices (simulated receipt printer and scanner: every sale prints a receipt through the
 * durable print queue), and the baseline: a second terminal with no devices, soaked at the same
 * time in alternating chunks of 250 sales, so load on the shared machine hits both alike.
 *
 * Every 1,000 sales the child reports its RSS and heap after a full GC, and the API its sync
 * queue depth. Rows: throughput (whole run, and the last 10% of sales against the first 10%),
 * memory growth after warm-up (the first quarter of the sales, at least 1,000; least-squares
 * slope) scaled to 100,000 sales, whether the
 * sync queue kept up, and start-to-URL on a fresh data dir against the same data dir after the
 * soak (journal, print jobs and pages of N sales). Sales are sent one at a time, like a counter.
 *
 * `BENCH_SOAK_SALES` (default 5,000; the soak is 20,000) sets N; `BENCH_SOAK_NODE_ARGS`
 * adds node options to the terminal processes (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile).
 * Run: `node bin/run-ts.js bench/soak-cash-sales.bench.ts` (or `npm run bench -- soak`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatCount, reportRow } from './support/bench-report.js';

const salesCount = Math.max(2_000, Number(process.env.BENCH_SOAK_SALES ?? 5_000));
const sampleEvery = 1_000;
// SQLite's page caches and the allocator's arenas fill over the first thousands of sales (RSS
// rose for ~7,000 sales and then stayed flat in a 20,000-sale soak): growth is measured after the
// first quarter of the run.
const warmUpSales = Math.max(1_000, Math.round(salesCount / 4 / sampleEvery) * sampleEvery);

interface MemorySample {
  readonly afterSales: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly queueDepth: number;
}

interface RunningChild {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly token: string;
  readonly processStartToUrlMs: number;
  readonly coreStartToUrlMs: number;
  /** The devices the terminal runs with (its configuration's `devices`). */
  readonly devices: { readonly receiptPrinter?: string };
  sample(): Promise<{ rssBytes: number; heapUsedBytes: number; externalBytes: number }>;
  stop(): Promise<void>;
}

const folders: string[] = [];

function dataDirWith(config: object): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  folders.push(dataDir);
  writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify(config)); // JSON is YAML; the terminal reads <data-dir>/config.yaml
  return dataDir;
}

function startChild(dataDir: string): Promise<RunningChild> {
  const nodeArgs = (process.env.BENCH_SOAK_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
  const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, 'bin/run-ts.js', 'bench/support/soak-terminal.ts', dataDir], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const samples: ((sample: { rssBytes: number; heapUsedBytes: number; externalBytes: number }) => void)[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the terminal did not start in 120 s: ${errors}`)), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the terminal exited with ${String(code)}: ${errors}`));
    });
    child.on('message', (message: { kind: string; processStartToUrlMs: number; coreStartToUrlMs: number; devices: { receiptPrinter?: string }; rssBytes: number; heapUsedBytes: number; externalBytes: number }) => {
      if (message.kind === 'sample') {
        samples.shift()?.(message);
        return;
      }
      if (message.kind !== 'ready') return;
      clearTimeout(timer);
      const pageUrl = /^url: (\S+)$/m.exec(output)?.[1];
      if (!pageUrl) {
        reject(new Error(`no url line from the terminal: ${output}`));
        return;
      }
      const url = new URL(pageUrl);
      resolve({
        child,
        origin: url.origin,
        token: url.hash.replace('#token=', ''),
        processStartToUrlMs: message.processStartToUrlMs,
        coreStartToUrlMs: message.coreStartToUrlMs,
        devices: message.devices,
        sample: () =>
          new Promise((resolveSample) => {
            samples.push(resolveSample);
            child.send('sample');
          }),
        stop: () =>
          new Promise((resolveStop) => {
            child.removeAllListeners('exit');
            if (child.exitCode !== null) return resolveStop();
            child.once('exit', () => resolveStop());
            child.send('stop');
          }),
      });
    });
  });
}

async function call<T>(terminal: RunningChild, command: string, input: object): Promise<T> {
  const response = await fetch(`${terminal.origin}/api/call/${command}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${terminal.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const result = (await response.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!result.ok) throw new Error(`${command}: ${result.error.message}`);
  return result.value;
}

const queueDepth = async (terminal: RunningChild) => (await call<{ queue: { depth: number } }>(terminal, 'system.status', {})).queue.depth;
const saleInput = { method: 'cash', lines: [{ productId: 'beef-noodles', quantity: 1, modifierOptionIds: ['hot'] }, { productId: 'cola', quantity: 2 }], tenderedMinor: 5000 };

interface SoakResult {
  readonly salesPerSecond: number;
  readonly firstTenthPerSecond: number;
  readonly lastTenthPerSecond: number;
  readonly samples: readonly MemorySample[];
  readonly depthAfterLastSale: number;
  readonly drainAfterLastSaleMs: number;
  readonly start: { processStartToUrlMs: number; coreStartToUrlMs: number };
}

/** One terminal being soaked: its sale times and samples so far. */
interface Soak {
  readonly terminal: RunningChild;
  readonly saleMs: number[];
  readonly samples: MemorySample[];
}

async function sellChunk(soak: Soak, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const start = performance.now();
    await call(soak.terminal, 'sale.startPayment', saleInput);
    soak.saleMs.push(performance.now() - start);
    const sold = soak.saleMs.length;
    if (sold % sampleEvery === 0) soak.samples.push({ afterSales: sold, ...(await soak.terminal.sample()), queueDepth: await queueDepth(soak.terminal) });
  }
}

async function finish(soak: Soak): Promise<SoakResult> {
  const depthAfterLastSale = await queueDepth(soak.terminal);
  const drainStart = performance.now();
  while ((await queueDepth(soak.terminal)) > 0 && performance.now() - drainStart < 60_000) await new Promise((resolve) => setTimeout(resolve, 50));
  const drainAfterLastSaleMs = performance.now() - drainStart;
  const tenth = Math.floor(soak.saleMs.length / 10);
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  return {
    salesPerSecond: (soak.saleMs.length / sum(soak.saleMs)) * 1000,
    firstTenthPerSecond: (tenth / sum(soak.saleMs.slice(0, tenth))) * 1000,
    lastTenthPerSecond: (tenth / sum(soak.saleMs.slice(-tenth))) * 1000,
    samples: soak.samples,
    depthAfterLastSale,
    drainAfterLastSaleMs,
    start: { processStartToUrlMs: soak.terminal.processStartToUrlMs, coreStartToUrlMs: soak.terminal.coreStartToUrlMs },
  };
}

/**
 * Soaks both terminals at once, in alternating chunks of sales (the order flipping each chunk),
 * so both see the same load on the shared machine: their throughputs compare, and so do their
 * first and last tenths.
 */
async function soakBoth(withDevicesDir: string, noDevicesDir: string): Promise<{ withDevices: SoakResult; noDevices: SoakResult }> {
  const withDevices: Soak = { terminal: await startChild(withDevicesDir), saleMs: [], samples: [] };
  const noDevices: Soak = { terminal: await startChild(noDevicesDir), saleMs: [], samples: [] };
  try {
    if (withDevices.terminal.devices.receiptPrinter === undefined || noDevices.terminal.devices.receiptPrinter !== undefined) {
      throw new Error(`the terminals run with devices ${JSON.stringify(withDevices.terminal.devices)} and ${JSON.stringify(noDevices.terminal.devices)}, not the ones this soak asked for`);
    }
    const chunk = 250;
    for (let sold = 0, round = 0; sold < salesCount; sold += chunk, round += 1) {
      const count = Math.min(chunk, salesCount - sold);
      const [first, second] = round % 2 === 0 ? [withDevices, noDevices] : [noDevices, withDevices];
      await sellChunk(first, count);
      await sellChunk(second, count);
    }
    return { withDevices: await finish(withDevices), noDevices: await finish(noDevices) };
  } finally {
    await withDevices.terminal.stop();
    await noDevices.terminal.stop();
  }
}

const megabytes = (bytes: number) => bytes / 1024 / 1024;

try {
  const withDevicesDir = dataDirWith({ backend: { sandboxPort: 0 } });
  const { withDevices, noDevices } = await soakBoth(withDevicesDir, dataDirWith({ backend: { sandboxPort: 0 }, devices: {} }));
  // Start again on the data dir that now holds N sales (journal, print jobs, pages).
  const restarted = await startChild(withDevicesDir);
  const restartTimes = { processStartToUrlMs: restarted.processStartToUrlMs, coreStartToUrlMs: restarted.coreStartToUrlMs };
  await restarted.stop();

  const flat = withDevices.lastTenthPerSecond / withDevices.firstTenthPerSecond;
  const baselineFlat = noDevices.lastTenthPerSecond / noDevices.firstTenthPerSecond;
  // The machine's load changes over a soak: the trend of the no-devices terminal, sold in the
  // same moments, is the yardstick for "flat".
  const relativeFlat = flat / baselineFlat;
  reportRow({
    id: 'soak-throughput',
    measure: `Soak: ${formatCount(salesCount)} cash sales through the local API, default devices (simulated printer + scanner), one at a time, interleaved in chunks of 250 with the baseline`,
    ours: `${formatCount(withDevices.salesPerSecond)} sales/s (first 10%: ${formatCount(withDevices.firstTenthPerSecond)}, last 10%: ${formatCount(withDevices.lastTenthPerSecond)})`,
    baseline: `${formatCount(noDevices.salesPerSecond)} sales/s with no devices (first 10%: ${formatCount(noDevices.firstTenthPerSecond)}, last 10%: ${formatCount(noDevices.lastTenthPerSecond)})`,
    ratio: withDevices.salesPerSecond / noDevices.salesPerSecond,
    target: '≥ 100 sales/s; last 10% ≥ 0.9× first 10% (relative to the baseline’s trend)',
    met: withDevices.salesPerSecond >= 100 && relativeFlat >= 0.9,
    note: `last/first 10%: with devices ${flat.toFixed(2)}×, no devices ${baselineFlat.toFixed(2)}×, relative ${relativeFlat.toFixed(2)}×`,
  });

  /** MB per 100,000 sales: the least-squares slope of the samples after warm-up. */
  const growth = (samples: readonly MemorySample[], pick: (sample: MemorySample) => number) => {
    const points = samples.filter((sample) => sample.afterSales >= warmUpSales).map((sample) => ({ x: sample.afterSales, y: megabytes(pick(sample)) }));
    if (points.length < 2) return Number.NaN;
    const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length;
    const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length;
    const slope = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0) / points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
    return slope * 100_000;
  };
  const rssGrowth = growth(withDevices.samples, (sample) => sample.rssBytes);
  const heapGrowth = growth(withDevices.samples, (sample) => sample.heapUsedBytes);
  const baseRssGrowth = growth(noDevices.samples, (sample) => sample.rssBytes);
  // At most ~10 samples in the table: every k-th one.
  const trace = (samples: readonly MemorySample[]) =>
    samples.filter((_sample, index) => (index + 1) % Math.max(1, Math.floor(samples.length / 10)) === 0).map((sample) => `${sample.afterSales / 1000}k: ${megabytes(sample.rssBytes).toFixed(0)}/${megabytes(sample.heapUsedBytes).toFixed(0)}/${megabytes(sample.externalBytes).toFixed(0)}`).join(', ');
  reportRow({
    id: 'soak-memory',
    measure: `Soak memory after warm-up (first ${formatCount(warmUpSales)} of ${formatCount(salesCount)} sales), scaled to 100,000 sales, default devices`,
    ours: `RSS ${rssGrowth.toFixed(1)} MB, heap ${heapGrowth.toFixed(1)} MB per 100k sales`,
    baseline: `RSS ${baseRssGrowth.toFixed(1)} MB per 100k sales with no devices (${trace(noDevices.samples)})`,
    ratio: null,
    target: '≤ 20 MB RSS growth per 100,000 sales',
    met: rssGrowth <= 20,
    note: `slope of the samples after warm-up; RSS/heap/external MB after GC by sales: ${trace(withDevices.samples)}`,
  });

  const maxDepth = Math.max(...withDevices.samples.map((sample) => sample.queueDepth), withDevices.depthAfterLastSale);
  const keptUp = maxDepth <= 1_000 && withDevices.drainAfterLastSaleMs < 10_000;
  reportRow({
    id: 'soak-sync',
    measure: 'Soak: sync queue depth while selling (sandbox backend on loopback), default devices',
    ours: `max ${formatCount(maxDepth)} entries queued; empty ${(withDevices.drainAfterLastSaleMs / 1000).toFixed(1)} s after the last sale`,
    baseline: `no devices: max ${formatCount(Math.max(...noDevices.samples.map((sample) => sample.queueDepth), noDevices.depthAfterLastSale))} entries`,
    ratio: null,
    target: 'keeps up: ≤ 1,000 queued, empty < 10 s after the last sale',
    met: keptUp,
  });

  const startFlat = restartTimes.coreStartToUrlMs <= Math.max(1.5 * withDevices.start.coreStartToUrlMs, withDevices.start.coreStartToUrlMs + 200);
  reportRow({
    id: 'start-to-url',
    measure: `Start to URL, after ${formatCount(salesCount)} sales vs a fresh data dir (composition root → local API listening)`,
    ours: `${formatCount(restartTimes.coreStartToUrlMs)} ms (process start → URL ${formatCount(restartTimes.processStartToUrlMs)} ms)`,
    baseline: `${formatCount(withDevices.start.coreStartToUrlMs)} ms fresh (process start → URL ${formatCount(withDevices.start.processStartToUrlMs)} ms; includes enrolling with the sandbox)`,
    ratio: withDevices.start.coreStartToUrlMs / restartTimes.coreStartToUrlMs,
    target: '≤ 1 s, flat with journal size',
    met: restartTimes.coreStartToUrlMs <= 1_000 && startFlat,
    note: 'process start → URL includes loading the TypeScript sources through tsx',
  });
} finally {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}
