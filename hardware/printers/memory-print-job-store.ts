/** In-memory `PrintJobStore`: same contract as the SQLite store, minus surviving a restart. */
import type { NewPrintJob, PrintJobStore, StoredPrintJob } from './print-job-store.js';

export class MemoryPrintJobStore implements PrintJobStore {
  private readonly jobs = new Map<string, StoredPrintJob>();

  add(job: NewPrintJob, atMs: number): boolean {
    if (this.jobs.has(job.id)) return false;
    this.jobs.set(job.id, { id: job.id, description: job.description, bytes: job.bytes.slice(), state: 'pending', attempts: 0, lastError: null, createdAtMs: atMs, printedAtMs: null });
    return true;
  }

  get(id: string): StoredPrintJob | undefined {
    return this.jobs.get(id);
  }

  pending(): StoredPrintJob[] {
    return [...this.jobs.values()].filter((job) => job.state === 'pending');
  }

  recordFailure(id: string, reason: string): void {
    const job = this.jobs.get(id);
    if (job && job.state === 'pending') this.jobs.set(id, { ...job, attempts: job.attempts + 1, lastError: reason });
  }

  markPrinted(id: string, atMs: number): void {
    const job = this.jobs.get(id);
    if (job && job.state === 'pending') this.jobs.set(id, { ...job, state: 'printed', attempts: job.attempts + 1, lastError: null, printedAtMs: atMs });
  }
}
