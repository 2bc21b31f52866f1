/**
 * A simulated scanner: the device side of a scanner link. It "scans" codes on demand by writing
 * what a real scanner sends: the code followed by CR (or CRLF) for serial scanners, or HID POS
 * scanned-data reports (one write per report) for HID POS scanners.
 *
 * Runs on any Transport: the device end of a MemoryLink for `sim:scanner`, or a SerialTransport
 * on the device end of a socat PTY pair for `terminal simulate scanner`. Codes are sent in the
 * order `scan()` is called; `scan()` resolves once the bytes are written.
 */
import { encodeHidPosReports } from '../protocols/scanner/hid-pos-report-assembler.js';
import type { ScannerFraming } from '../scanners/scanner-device.js';
import type { Transport } from '../transports/transport.js';

export interface ScannerSimulatorOptions {
  readonly framing?: ScannerFraming;
  /** Serial terminator; default CR (most scanners' factory setting). */
  readonly terminator?: '\r' | '\r\n' | '\n';
  /** AIM id put in HID POS reports; default "]Q1" (QR code). */
  readonly aim?: string;
}

export class ScannerSimulator {
  private readonly encoder = new TextEncoder();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly transport: Transport,
    private readonly options: ScannerSimulatorOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.transport.open();
  }

  async stop(): Promise<void> {
    await this.transport.close();
  }

  /** Sends one code as the configured scanner would. Rejects with the transport's error. */
  scan(text: string): Promise<void> {
    const send = async () => {
      const data = this.encoder.encode(text);
      if (this.options.framing === 'hid-pos') {
        for (const report of encodeHidPosReports(data, this.options.aim ?? ']Q1')) await this.transport.write(report);
      } else {
        await this.transport.write(this.encoder.encode(`${text}${this.options.terminator ?? '\r'}`));
      }
    };
    const sent = this.queue.then(send);
    this.queue = sent.catch(() => undefined); // a failed scan is reported to its caller; later scans still run
    return sent;
  }
}
