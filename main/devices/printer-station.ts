/**
 * One configured printer (the receipt printer or a kitchen printer) as the running terminal uses
 * it: a ReceiptPrinter, its own PrintQueue over the shared durable job store, and its state.
 *
 * Contract:
 * - Job ids are `<role>/<kind>/<key>`; the queue of this station sees only jobs under `<role>/`
 *   (all printers share the journal's `print_jobs` table), so a dead kitchen printer never holds
 *   up receipts. `submit` is idempotent by job id (a repeated event or a restart never prints twice).
 * - Nothing here rejects on a printer problem: faults (paper out, cover open, offline,
 *   disconnected) are logged, reported through `onState('offline', reason)`, and the job stays
 *   queued. While offline the station asks the printer's status with capped backoff (reopening
 *   the transport when it was lost) and drains the queue once the printer is usable again.
 * - Errors that are not printer faults (the store's disk) are logged and reported the same way;
 *   they never reach the caller.
 */
import type { Logger } from 'pino';
import type { DeviceTimer } from '../../hardware/devices/device-timer.js';
import { PrintQueue, type SubmitOutcome } from '../../hardware/devices/print-queue.js';
import { PrinterError, printerErrorAdvice } from '../../hardware/devices/printer-error.js';
import { ReceiptPrinter } from '../../hardware/devices/receipt-printer.js';
import type { NewPrintJob, PrintJobStore } from '../../hardware/printers/print-job-store.js';
import type { PrinterProfile } from '../../hardware/printers/printer-profiles.js';
import type { Transport } from '../../hardware/transports/transport.js';
import { RetryBackoff } from './retry-backoff.js';

export interface PrinterStationOptions {
  /** Status role: `receiptPrinter` or `kitchenPrinter:<station>`. */
  readonly role: string;
  readonly transport: Transport;
  readonly profile: PrinterProfile;
  /** The shared store (all printers); the station filters it to its own jobs. */
  readonly store: PrintJobStore;
  readonly timer: DeviceTimer;
  readonly logger: Logger;
  /** Told on every change of usability; `reason` names the fault (`paper-out: …`). */
  readonly onState: (state: 'online' | 'offline', reason: string | null) => void;
  readonly statusTimeoutMs?: number | undefined;
  readonly proofTimeoutMs?: number | undefined;
  /** First delay of the status checks while offline (doubling, capped at `maxRetryDelayMs`). */
  readonly initialRetryDelayMs?: number | undefined;
  readonly maxRetryDelayMs?: number | undefined;
}

export type StationSubmitOutcome = { readonly state: 'printed' } | { readonly state: 'queued'; readonly reason: string | null };

/** The jobs of STORE whose ids start with PREFIX, as a store of their own. */
function jobsUnder(store: PrintJobStore, prefix: string): PrintJobStore {
  return {
    add: (job, atMs) => store.add(job, atMs),
    get: (id) => store.get(id),
    pending: () => store.pending().filter((job) => job.id.startsWith(prefix)),
    recordFailure: (id, reason, atMs) => store.recordFailure(id, reason, atMs),
    markPrinted: (id, atMs) => store.markPrinted(id, atMs),
  };
}

const faultText = (error: PrinterError): string => `${error.code}: ${printerErrorAdvice[error.code]}`;

export class PrinterStation {
  readonly role: string;
  private readonly printer: ReceiptPrinter;
  private readonly queue: PrintQueue;
  private readonly store: PrintJobStore;
  private readonly backoff: RetryBackoff;
  private stopped = false;
  /** Submits and checks still running: `stop` waits for them before the store may close. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: PrinterStationOptions) {
    this.role = options.role;
    this.store = jobsUnder(options.store, `${options.role}/`);
    this.printer = new ReceiptPrinter({ transport: options.transport, profile: options.profile, timer: options.timer, statusTimeoutMs: options.statusTimeoutMs, proofTimeoutMs: options.proofTimeoutMs });
    // Retries are driven by the station's status checks (below), not by the queue's own timer.
    this.queue = new PrintQueue({
      printer: this.printer,
      store: this.store,
      timer: options.timer,
      retryDelayMs: 0,
      onEvent: (event) => {
        if (event.kind === 'printed') {
          options.logger.info({ role: this.role, jobId: event.jobId, proven: event.proof.proven, conditions: event.proof.conditions }, 'print job printed');
          this.report('online', event.proof.conditions.length > 0 ? event.proof.conditions.join(', ') : null);
        } else {
          options.logger.warn({ role: this.role, jobId: event.jobId, code: event.error.code, err: event.error }, 'print job not printed; it stays queued');
          this.offline(faultText(event.error));
        }
      },
    });
    this.backoff = new RetryBackoff(options.timer, options.initialRetryDelayMs ?? 1000, options.maxRetryDelayMs ?? 30_000);
  }

  get profile(): PrinterProfile {
    return this.options.profile;
  }

  jobId(kind: string, key: string): string {
    return `${this.role}/${kind}/${key}`;
  }

  /** True when a job with this id was ever stored (pending or printed). */
  has(jobId: string): boolean {
    return this.store.get(jobId) !== undefined;
  }

  pendingCount(): number {
    return this.store.pending().length;
  }

  /** Checks the printer and prints what earlier runs left queued. Never rejects. */
  async start(): Promise<void> {
    await this.track(this.check());
  }

  /** Stores JOB (idempotent by id) and drains. Never rejects: a fault answers `queued` with the reason. */
  submit(job: NewPrintJob): Promise<StationSubmitOutcome> {
    return this.track(this.submitNow(job));
  }

  private async submitNow(job: NewPrintJob): Promise<StationSubmitOutcome> {
    let outcome: SubmitOutcome;
    try {
      outcome = await this.queue.submit(job);
    } catch (error) {
      this.options.logger.error({ role: this.role, jobId: job.id, err: error }, 'print job could not be stored or sent');
      if (error instanceof PrinterError) return { state: 'queued', reason: faultText(error) };
      this.offline(`error: ${error instanceof Error ? error.message : String(error)}`);
      return { state: 'queued', reason: error instanceof Error ? error.message : String(error) };
    }
    return outcome.state === 'printed' ? outcome : { state: 'queued', reason: outcome.error ? faultText(outcome.error) : null };
  }

  /**
   * The device is back (possibly under a new path, see device-rebinder.ts): check it and drain
   * now instead of at the next backoff step. Never throws.
   */
  recheckNow(): void {
    if (this.stopped) return;
    this.backoff.reset();
    void this.track(this.check());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.backoff.stop();
    this.queue.stop();
    await this.closePrinter();
    // A drain between two jobs may have reopened the transport: wait for it, then close again.
    await Promise.allSettled([...this.inFlight]);
    await this.closePrinter();
  }

  private async closePrinter(): Promise<void> {
    try {
      await this.printer.close();
    } catch (error) {
      this.options.logger.warn({ role: this.role, err: error }, 'printer transport did not close cleanly');
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    // The caller observes WORK itself; this chain only forgets it once settled.
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  private report(state: 'online' | 'offline', reason: string | null): void {
    if (this.stopped) return;
    if (state === 'online') this.backoff.reset();
    this.options.onState(state, reason);
  }

  private offline(reason: string): void {
    this.report('offline', reason);
    this.backoff.schedule(() => void this.track(this.check()));
  }

  /** Asks the printer's status; usable → online and drain; else offline and check again later. */
  private async check(): Promise<void> {
    if (this.stopped) return;
    try {
      const status = await this.printer.status();
      const blocking = status.conditions.find((condition) => condition === 'paper-out' || condition === 'cover-open' || condition === 'error');
      if (blocking) {
        this.options.logger.warn({ role: this.role, conditions: status.conditions }, 'printer not usable');
        this.offline(`${blocking}: ${printerErrorAdvice[blocking]}`);
        return;
      }
      this.report('online', status.conditions.length > 0 ? status.conditions.join(', ') : null);
      await this.queue.drain();
    } catch (error) {
      if (error instanceof PrinterError) {
        this.options.logger.warn({ role: this.role, code: error.code, err: error }, 'printer not reachable');
        this.offline(faultText(error));
        return;
      }
      this.options.logger.error({ role: this.role, err: error }, 'printer check failed');
      this.offline(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
