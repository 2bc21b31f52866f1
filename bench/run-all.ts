/**
 * `npm run bench [-- NAME]`: runs every `bench/*.bench.ts` (or those whose file name contains
 * NAME) in its own process, one after the other, so each measures its ratios against a baseline
 * taken in the same run. Timing targets live in the benchmarks, never in tests.
 *
 * Each benchmark reports its rows (bench/support/bench-report.ts) into a results file; the
 * rows are merged by id into bench/last-results.json (rows of benchmarks not run this time are
 * kept, with their own date) and written as the results table of docs/benchmarks.md, between
 * the `bench-results` markers. `--no-write` leaves both files alone.
 *
 * Exits non-zero when a benchmark fails to run (not when a target is missed: the table says so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchResultsFileVariable, type StoredBenchRow } from './support/bench-report.js';

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const only = args.find((arg) => !arg.startsWith('--'));
const files = readdirSync('bench')
  .filter((file) => file.endsWith('.bench.ts') && (!only || file.includes(only)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`error: no benchmark matches ${only ?? '*'}\n`);
  process.exit(1);
}

const resultsDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
const resultsFile = join(resultsDir, 'rows.jsonl');
const loadBefore = loadavg()[0] ?? 0;
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['bin/run-ts.js', join('bench', file)], { stdio: 'inherit', env: { ...process.env, [benchResultsFileVariable]: resultsFile } });
  if (result.status !== 0) {
    failed += 1;
    process.stderr.write(`error: ${file} exited with ${String(result.status)}\n`);
  }
}
const loadAfter = loadavg()[0] ?? 0;
const measured = existsSync(resultsFile)
  ? readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as StoredBenchRow)
  : [];
rmSync(resultsDir, { recursive: true, force: true });

if (write && measured.length > 0) {
  const lastResultsFile = join('bench', 'last-results.json');
  const previous = existsSync(lastResultsFile) ? (JSON.parse(readFileSync(lastResultsFile, 'utf8')) as { rows: StoredBenchRow[] }).rows : [];
  const byId = new Map(previous.map((row) => [row.id, row]));
  for (const row of measured) byId.set(row.id, { ...row, source: row.source.replace(/^.*\/(bench\/)/, '$1') });
  const rows = orderRows([...byId.values()]);
  const run = `Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`;
  writeFileSync(lastResultsFile, `${JSON.stringify({ lastRun: run, rows }, null, 2)}\n`);
  writeResultsTable('docs/benchmarks.md', rows, run);
  process.stdout.write(`\nwrote ${measured.length} row(s) into docs/benchmarks.md and ${lastResultsFile}\n`);
}
process.exit(failed === 0 ? 0 : 1);

/** Rows in the order of the issue's list; unknown ids after them, by id. */
function orderRows(rows: StoredBenchRow[]): StoredBenchRow[] {
  const order = [
    'sync-drain',
    'sync-drain-100',
    'backend-ingest',
    'soak-throughput',
    'soak-memory',
    'soak-sync',
    'journal-full',
    'journal-off',
    'emv-encode',
    'emv-encode-package',
    'escpos-encode',
    'start-to-url',
    'backend-qr-latency',
    'backend-pay-latency',
    'backend-journal-http',
  ];
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return rows.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function writeResultsTable(docFile: string, rows: readonly StoredBenchRow[], run: string): void {
  const start = '<!-- bench-results:start -->';
  const end = '<!-- bench-results:end -->';
  const lines = [
    start,
    `Written by \`npm run bench\` (bench/run-all.ts); last run: ${run}. Each row's date is when it was measured.`,
    '',
    '| Measure | Ours | Baseline (same run) | Ratio | Target | Met | Measured |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${cell(row.measure)}${row.note ? ` — ${cell(row.note)}` : ''} | ${cell(row.ours)} | ${cell(row.baseline)} | ${row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`} | ${cell(row.target)} | ${row.met === null ? '—' : row.met ? 'yes' : '**no**'} | ${row.measuredAt.slice(0, 16).replace('T', ' ')} |`,
    ),
    '| Tap → QR on screen (terminal UI to QR drawn) | not measured in this run | | | | | |',
    '| Paid → first vend byte (kiosk) | not measured in this run | | | | | |',
    end,
  ];
  const text = readFileSync(docFile, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const table = lines.join('\n');
  const updated = from >= 0 && to > from ? `${text.slice(0, from)}${table}${text.slice(to + end.length)}` : `${text.trimEnd()}\n\n## Results table\n\n${table}\n`;
  writeFileSync(docFile, updated);
}
