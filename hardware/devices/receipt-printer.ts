/**
 * A receipt printer: a Transport, the ESC/POS protocol and a timer. Prints byte jobs with proof
 * of print and answers status queries. The printer owns its transport: when it finds the
 * transport closed (cable pulled earlier) it reopens it before the next operation.
 *
 * Contract:
 * - `print(bytes)` resolves only with proof of print: before the job it reads the real-time
 *   status (`DLE EOT 1..4`) and refuses to send to a printer reporting paper-out, cover-open or
 *   an error; after the job it sends `GS r 1` and waits up to `proofTimeoutMs` for the paper
 *   sensor reply, which the printer sends only after everything before it was processed.
 *   Any other outcome rejects with a `PrinterError`; a rejected job may or may not have printed
 *   partially, so the queue reprints it whole.
 * - `status()` sends `DLE EOT 1..4` (answered in real time, even when offline) and rejects
 *   with PrinterError('offline') when a reply does not come within `statusTimeoutMs`.
 * - Operations run one at a time, in call order. A transport disconnect rejects the operation
 *   in progress with PrinterError('disconnected').
 * - A reply that arrives after its timeout is dropped, and a `DLE EOT` reply can never be taken
 *   for a `GS r 1` reply (their fixed bits differ). Known limit: a printer slower than
 *   `proofTimeoutMs` that does finish the job gets it reprinted by the queue (a duplicate, never
 *   a loss); size the timeout for the longest receipt.
 */
import type { PrinterProfile } from '../printers/printer-profiles.js';
import {
  EscPosStatusParser,
  type PrinterCondition,
  type RealTimeStatusQuery,
  type StatusQuery,
  type StatusReport,
} from '../protocols/escpos/escpos-status-parser.js';
import { TransportError, type Transport } from '../transports/transport.js';
import type { DeviceTimer } from './device-timer.js';
import { PrinterError } from './printer-error.js';

export interface ReceiptPrinterOptions {
  readonly transport: Transport;
  readonly profile: PrinterProfile;
  readonly timer: DeviceTimer;
  /** How long each real-time status reply may take; default 1000 ms. */
  readonly statusTimeoutMs?: number | undefined;
  /** How long the paper-sensor reply after a job may take (covers printing time); default 15000 ms. */
  readonly proofTimeoutMs?: number | undefined;
  /** Called with each automatic status back report (after `enableAutomaticStatusBack`). */
  readonly onAutomaticStatus?: ((conditions: readonly PrinterCondition[]) => void) | undefined;
}

export interface PrinterStatus {
  readonly conditions: readonly PrinterCondition[];
  /** Raw reply bytes to DLE EOT 1, 2, 3, 4 (for diagnostics). */
  readonly replies: readonly number[];
}

export interface PrintProof {
  readonly printedAtMs: number;
  /** True when the printer answered the paper-sensor query after the job (real proof of print). */
  readonly proven: boolean;
  /** Conditions reported with the proof, e.g. 'paper-near-end' (a warning, not a failure). */
  readonly conditions: readonly PrinterCondition[];
}

interface Waiter {
  readonly query: StatusQuery;
  readonly resolve: (report: StatusReport) => void;
  readonly reject: (error: PrinterError) => void;
}

const blockingConditions = ['paper-out', 'cover-open', 'error'] as const;
const paperSensorQuery: StatusQuery = { kind: 'paper-sensor' };

export class ReceiptPrinter {
  private readonly transport: Transport;
  private readonly timer: DeviceTimer;
  private readonly statusTimeoutMs: number;
  private readonly proofTimeoutMs: number;
  private parser = new EscPosStatusParser();
  private waiters: Waiter[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private lastAutomaticStatus: readonly PrinterCondition[] | null = null;

  constructor(private readonly options: ReceiptPrinterOptions) {
    this.transport = options.transport;
    this.timer = options.timer;
    this.statusTimeoutMs = options.statusTimeoutMs ?? 1000;
    this.proofTimeoutMs = options.proofTimeoutMs ?? 15_000;
    this.transport.on('data', (chunk) => this.onData(chunk));
    this.transport.on('disconnect', (cause) => this.failWaiters(new PrinterError('disconnected', `${this.transport.description}: ${cause.message}`)));
  }

  get profile(): PrinterProfile {
    return this.options.profile;
  }

  /** Conditions from the last automatic status back block, if the printer sends them. */
  get automaticStatus(): readonly PrinterCondition[] | null {
    return this.lastAutomaticStatus;
  }

  status(): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      await this.ensureOpen();
      return this.readStatus();
    });
  }

  print(bytes: Uint8Array): Promise<PrintProof> {
    return this.exclusive(async () => {
      if (bytes.length === 0) throw new PrinterError('rejected', 'empty print job');
      await this.ensureOpen();
      if (this.options.profile.statusReplies) {
        const before = await this.readStatus();
        throwIfBlocked(before.conditions, this.transport.description);
      }
      await this.send(bytes);
      if (!this.options.profile.statusReplies) return { printedAtMs: this.timer.nowMs(), proven: false, conditions: [] };
      let reply: StatusReport;
      try {
        reply = await this.ask(Uint8Array.of(0x1d, 0x72, 0x01), paperSensorQuery, this.proofTimeoutMs);
      } catch (error) {
        if (error instanceof PrinterError && error.code === 'offline') {
          // No proof: find out why from the real-time status, which offline printers still answer.
          const after = await this.readStatus();
          throwIfBlocked(after.conditions, this.transport.description);
          throw new PrinterError('offline', `${this.transport.description}: no answer to the paper sensor query within ${this.proofTimeoutMs} ms after the job`);
        }
        throw error;
      }
      const conditions = reply.kind === 'invalid' ? [] : reply.conditions;
      throwIfBlocked(conditions, this.transport.description);
      return { printedAtMs: this.timer.nowMs(), proven: true, conditions };
    });
  }

  /**
   * Asks the printer to report status changes by itself (`GS a FF`): cover, paper and error
   * changes then reach `onAutomaticStatus` without polling. Printers send the first report at once.
   * Must be sent again after the transport is reopened (the printer may have been reset).
   */
  enableAutomaticStatusBack(): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureOpen();
      await this.send(Uint8Array.of(0x1d, 0x61, 0xff));
    });
  }

  /** Closes the transport; a later operation reopens it. */
  async close(): Promise<void> {
    this.failWaiters(new PrinterError('disconnected', `${this.transport.description}: closed`));
    await this.transport.close();
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined); // the caller gets the error; the chain continues
    return result;
  }

  private async ensureOpen(): Promise<void> {
    if (this.transport.isOpen) return;
    this.parser = new EscPosStatusParser();
    try {
      await this.transport.open();
    } catch (error) {
      throw new PrinterError('disconnected', error instanceof Error ? error.message : String(error));
    }
  }

  private async send(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes);
    } catch (error) {
      if (error instanceof TransportError) throw new PrinterError('disconnected', error.message);
      throw error;
    }
  }

  private async readStatus(): Promise<PrinterStatus> {
    const conditions = new Set<PrinterCondition>();
    const replies: number[] = [];
    for (const query of [1, 2, 3, 4] as const satisfies readonly RealTimeStatusQuery[]) {
      const report = await this.ask(Uint8Array.of(0x10, 0x04, query), { kind: 'real-time', query }, this.statusTimeoutMs);
      if (report.kind === 'real-time') {
        replies.push(report.byte);
        for (const condition of report.conditions) conditions.add(condition);
      }
    }
    return { conditions: [...conditions], replies };
  }

  /** Sends QUERY BYTES and waits for the matching reply, at most TIMEOUT MS. */
  private async ask(bytes: Uint8Array, query: StatusQuery, timeoutMs: number): Promise<StatusReport> {
    const reply = new Promise<StatusReport>((resolve, reject) => {
      let cancelTimer = () => undefined as void;
      const waiter: Waiter = {
        query,
        resolve: (report) => {
          cancelTimer();
          resolve(report);
        },
        reject: (error) => {
          cancelTimer();
          reject(error);
        },
      };
      this.waiters.push(waiter);
      this.parser.expect(query);
      cancelTimer = this.timer.schedule(timeoutMs, () => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        this.parser.forget(query);
        const what = query.kind === 'real-time' ? `DLE EOT ${query.query}` : 'GS r 1';
        reject(new PrinterError('offline', `${this.transport.description}: no answer to ${what} within ${timeoutMs} ms`));
      });
    });
    // The rejection is observed by the `return` below; this handler only keeps a timeout that fires
    // while the write is still in progress from being reported as unhandled.
    reply.catch(() => undefined);
    try {
      await this.send(bytes);
    } catch (error) {
      this.failWaiters(error instanceof PrinterError ? error : new PrinterError('disconnected', String(error)));
    }
    return reply;
  }

  private onData(chunk: Uint8Array): void {
    for (const report of this.parser.push(chunk)) {
      if (report.kind === 'automatic-status-back') {
        this.lastAutomaticStatus = report.conditions;
        this.options.onAutomaticStatus?.(report.conditions);
        continue;
      }
      if (report.kind === 'invalid') continue; // stray byte (XON/XOFF, line noise): the timeout covers a lost reply
      const index = this.waiters.findIndex((waiter) => waiter.query.kind === report.kind);
      const waiter = this.waiters[index];
      if (waiter) {
        this.waiters.splice(index, 1);
        waiter.resolve(report);
      }
    }
  }

  private failWaiters(error: PrinterError): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.parser = new EscPosStatusParser();
    for (const waiter of waiters) waiter.reject(error);
  }
}

function throwIfBlocked(conditions: readonly PrinterCondition[], description: string): void {
  for (const condition of blockingConditions) {
    if (conditions.includes(condition)) throw new PrinterError(condition, `${description}: printer reports ${condition}`);
  }
}
