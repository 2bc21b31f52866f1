/**
 * The configured barcode scanner as the running terminal uses it: a ScannerDevice kept open,
 * reopened with capped backoff after a failed open or a disconnect, its scans handed on.
 *
 * Contract: never rejects and never throws into the terminal. State changes go to `onState`;
 * each classified scan other than `rejected` goes to `onScan`; rejected codes and framing faults
 * are logged (a payment code is logged masked, never whole).
 */
import type { Logger } from 'pino';
import type { DeviceTimer } from '../../hardware/devices/device-timer.js';
import { ScannerDevice, type Scan, type ScannerFraming } from '../../hardware/scanners/scanner-device.js';
import type { Transport } from '../../hardware/transports/transport.js';
import type { ScanReceived } from '../contract/contract.js';
import { RetryBackoff } from './retry-backoff.js';

export interface ScannerConnectionOptions {
  readonly transport: Transport;
  readonly framing: ScannerFraming;
  readonly timer: DeviceTimer;
  readonly logger: Logger;
  readonly onState: (state: 'online' | 'offline', reason: string | null) => void;
  readonly onScan: (scan: ScanReceived) => void;
  readonly initialRetryDelayMs?: number | undefined;
  readonly maxRetryDelayMs?: number | undefined;
}

/** The contract's view of a scan, or undefined for a rejected code. */
export function scanReceived(scan: Scan): ScanReceived | undefined {
  const { code } = scan;
  switch (code.kind) {
    case 'payment-code':
      return { kind: 'payment-code', value: scan.text, detail: code.wallet, atMs: scan.atMs };
    case 'emv-mpm':
      return { kind: 'emv-mpm', value: scan.text, detail: null, atMs: scan.atMs };
    case 'coupon':
      return { kind: 'coupon', value: scan.text, detail: null, atMs: scan.atMs };
    case 'product':
      return { kind: 'product', value: scan.text, detail: code.symbology, atMs: scan.atMs };
    case 'rejected':
      return undefined;
  }
}

const masked = (text: string): string => (text.length <= 8 ? '****' : `${text.slice(0, 4)}…${text.slice(-4)}`);

export class ScannerConnection {
  private readonly device: ScannerDevice;
  private readonly backoff: RetryBackoff;
  private stopped = false;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: ScannerConnectionOptions) {
    this.device = new ScannerDevice({ transport: options.transport, framing: options.framing, timer: options.timer });
    this.backoff = new RetryBackoff(options.timer, options.initialRetryDelayMs ?? 1000, options.maxRetryDelayMs ?? 30_000);
    this.device.on('scan', (scan) => {
      const received = scanReceived(scan);
      if (!received) {
        const reason = scan.code.kind === 'rejected' ? scan.code.reason : 'unknown';
        options.logger.info({ reason, length: scan.text.length }, 'scanned code rejected');
        return;
      }
      options.logger.info({ kind: received.kind, detail: received.detail, value: received.kind === 'payment-code' ? masked(received.value) : received.value }, 'code scanned');
      options.onScan(received);
    });
    this.device.on('fault', (fault) => options.logger.warn({ fault: fault.fault, detail: fault.detail }, 'scanner framing fault'));
    this.device.on('disconnect', (cause) => {
      options.logger.warn({ err: cause }, 'scanner disconnected');
      this.retryLater(`disconnected: ${cause.message}`);
    });
  }

  /** Opens the scanner; on failure reports offline and keeps retrying. Never rejects. */
  async start(): Promise<void> {
    if (this.stopped) return;
    // One open at a time: a backoff retry and `reconnectNow` may meet.
    this.starting ??= this.open().finally(() => (this.starting = undefined));
    await this.starting;
  }

  /**
   * The device is back (possibly under a new path, see device-rebinder.ts): open it now instead
   * of at the next backoff step. Does nothing while the scanner is open. Never throws.
   */
  reconnectNow(): void {
    if (this.stopped || this.options.transport.isOpen) return;
    this.backoff.reset();
    void this.start();
  }

  private async open(): Promise<void> {
    try {
      await this.device.start();
      this.backoff.reset();
      if (!this.stopped) this.options.onState('online', null);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'scanner could not be opened');
      this.retryLater(`not opened: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.backoff.stop();
    try {
      await this.device.stop();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'scanner transport did not close cleanly');
    }
  }

  private retryLater(reason: string): void {
    if (this.stopped) return;
    this.options.onState('offline', reason);
    this.backoff.schedule(() => void this.start());
  }
}
