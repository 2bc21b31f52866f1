/**
 * The durable print queue: every job is stored before it is sent, printed in order, and marked
 * printed only after proof of print, so a receipt is never silently lost and never printed
 * twice by the queue (a crash between the proof and `markPrinted` is the one window that can
 * repeat a receipt; losing one is worse).
 *
 * Contract:
 * - `submit` stores the job (idempotent by job id) and then drains; it resolves with what
 *   happened to that job: 'printed', or 'queued' with the PrinterError that stopped it.
 * - `drain` prints pending jobs oldest first and stops at the first failure (order is kept:
 *   a later receipt never overtakes an earlier one). Calls are serialised; a drain requested
 *   while one runs starts after it. A failed drain schedules a retry after `retryDelayMs`,
 *   so jobs are reprinted on recovery (paper loaded, cable back) without anyone asking.
 * - Errors other than PrinterError (store failures) reject the drain: they are bugs or a broken
 *   disk and must surface.
 */
import type { NewPrintJob, PrintJobStore } from '../printers/print-job-store.js';
import type { DeviceTimer } from './device-timer.js';
import { PrinterError } from './printer-error.js';
import type { PrintProof } from './receipt-printer.js';

/** What the queue needs from a printer (ReceiptPrinter fits). */
export interface ProvingPrinter {
  print(bytes: Uint8Array): Promise<PrintProof>;
}

export type PrintQueueEvent =
  | { readonly kind: 'printed'; readonly jobId: string; readonly proof: PrintProof }
  | { readonly kind: 'failed'; readonly jobId: string; readonly error: PrinterError };

export type SubmitOutcome = { readonly state: 'printed' } | { readonly state: 'queued'; readonly error: PrinterError | null };

export interface DrainResult {
  readonly printed: readonly string[];
  readonly failed: { readonly jobId: string; readonly error: PrinterError } | null;
  readonly remaining: number;
}

export interface PrintQueueOptions {
  readonly printer: ProvingPrinter;
  readonly store: PrintJobStore;
  readonly timer: DeviceTimer;
  /** Delay before retrying after a failure; default 5000 ms; 0 disables automatic retries. */
  readonly retryDelayMs?: number | undefined;
  readonly onEvent?: ((event: PrintQueueEvent) => void) | undefined;
}

export class PrintQueue {
  private running: Promise<DrainResult> = Promise.resolve({ printed: [], failed: null, remaining: 0 });
  private cancelRetry: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly options: PrintQueueOptions) {}

  /** Throws PrinterError('rejected') for an empty job, which is never stored. */
  async submit(job: NewPrintJob): Promise<SubmitOutcome> {
    if (job.bytes.length === 0) throw new PrinterError('rejected', `print job ${job.id} has no bytes`);
    this.options.store.add(job, this.options.timer.nowMs());
    const result = await this.drain();
    if (this.options.store.get(job.id)?.state === 'printed') return { state: 'printed' };
    return { state: 'queued', error: result.failed?.error ?? null };
  }

  drain(): Promise<DrainResult> {
    const next = this.running.then(() => this.drainOnce());
    this.running = next.catch(() => ({ printed: [], failed: null, remaining: this.options.store.pending().length }));
    return next;
  }

  pendingCount(): number {
    return this.options.store.pending().length;
  }

  /** Cancels the scheduled retry; pending jobs stay stored for the next start. */
  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
  }

  private async drainOnce(): Promise<DrainResult> {
    this.cancelRetry?.();
    this.cancelRetry = null;
    const { store, printer, timer } = this.options;
    const printed: string[] = [];
    for (const job of store.pending()) {
      if (store.get(job.id)?.state !== 'pending') continue;
      try {
        const proof = await printer.print(job.bytes);
        store.markPrinted(job.id, proof.printedAtMs);
        printed.push(job.id);
        this.options.onEvent?.({ kind: 'printed', jobId: job.id, proof });
      } catch (error) {
        if (!(error instanceof PrinterError)) throw error;
        store.recordFailure(job.id, `${error.code}: ${error.message}`, timer.nowMs());
        this.options.onEvent?.({ kind: 'failed', jobId: job.id, error });
        if (error.retryable) this.scheduleRetry();
        return { printed, failed: { jobId: job.id, error }, remaining: store.pending().length };
      }
    }
    return { printed, failed: null, remaining: store.pending().length };
  }

  private scheduleRetry(): void {
    const delayMs = this.options.retryDelayMs ?? 5000;
    if (delayMs <= 0 || this.stopped) return;
    this.cancelRetry = this.options.timer.schedule(delayMs, () => {
      this.cancelRetry = null;
      this.drain().catch((error: unknown) => {
        // A store failure in a background retry has no caller: surface it as uncaught.
        queueMicrotask(() => {
          throw error;
        });
      });
    });
  }
}
