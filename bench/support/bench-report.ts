/**
 * One result row of `npm run bench`: what was measured, our figure, the baseline measured in the
 * same run, their ratio, the target and whether it was met. A benchmark calls `reportRow` for
 * each of its rows; the row is printed and, when `BENCH_RESULTS_FILE` is set (bench/run-all.ts
 * sets it), appended to that file as one JSON line so run-all can write the table into
 * docs/benchmarks.md. Timing targets live here and in the benchmarks, never in tests.
 */
import { appendFileSync } from 'node:fs';

export interface BenchRow {
  /** Stable key of the row (the table keeps one row per id, the latest). */
  readonly id: string;
  /** What was measured, in words. */
  readonly measure: string;
  /** Our figure with its unit, e.g. "1,204 sales/s". */
  readonly ours: string;
  /** The baseline's figure with its unit and what it is, or "n/a". */
  readonly baseline: string;
  /** Ours / baseline in the direction where higher is better; null when there is no baseline. */
  readonly ratio: number | null;
  /** The target as text, e.g. "≥ 0.8×". */
  readonly target: string;
  /** Whether the target was met; null when the row is informational or was not measured. */
  readonly met: boolean | null;
  /** Anything the reader needs to interpret the figures. */
  readonly note?: string | undefined;
}

export interface StoredBenchRow extends BenchRow {
  /** ISO date-time of the run that measured the row. */
  readonly measuredAt: string;
  /** The benchmark file that produced it. */
  readonly source: string;
}

export const benchResultsFileVariable = 'BENCH_RESULTS_FILE';

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function reportRow(row: BenchRow): void {
  const ratio = row.ratio === null ? '' : `, ratio ${row.ratio.toFixed(2)}×`;
  const verdict = row.met === null ? '' : row.met ? ' (met)' : ' (MISSED)';
  process.stdout.write(`[${row.id}] ${row.measure}: ours ${row.ours}; baseline ${row.baseline}${ratio}; target ${row.target}${verdict}${row.note ? ` — ${row.note}` : ''}\n`);
  const file = process.env[benchResultsFileVariable];
  if (!file) return;
  const stored: StoredBenchRow = { ...row, measuredAt: new Date().toISOString(), source: process.argv[1] ?? 'unknown' };
  appendFileSync(file, `${JSON.stringify(stored)}\n`);
}

/** Alternates two timed tasks over ROUNDS, so a slow spell on a shared machine hits both alike. */
export function alternate(rounds: number, first: () => number, second: () => number): { firstMs: number; secondMs: number } {
  let firstMs = 0;
  let secondMs = 0;
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      firstMs += first();
      secondMs += second();
    } else {
      secondMs += second();
      firstMs += first();
    }
  }
  return { firstMs, secondMs };
}
