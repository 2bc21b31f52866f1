/**
 * A barcode/QR scanner on any Transport, emitting typed scans. Combines a transport, a framing
 * protocol (serial lines or HID POS reports, both pure, in hardware/protocols/scanner) and the
 * code classifier; time is an injected DeviceTimer so tests run on a fake clock.
 *
 * Contract:
 * - `start()` opens the transport (rejecting with its TransportError) and begins emitting.
 * - Each complete code emits one `scan` with the text, the AIM symbology when the scanner sent
 *   one (HID POS), the classification and the time. Rejected codes are scans too (kind
 *   'rejected' with the reason): the UI tells the cashier why nothing happened.
 * - The same text scanned again within `duplicateWindowMs` (default 1000) is dropped: scanners
 *   in presentation mode re-read a phone held under them, and a payment code must not be
 *   submitted twice. 0 disables.
 * - A half-received code (HID continuation or a line without terminator) older than
 *   `partialTimeoutMs` (default 500) is discarded and reported as a `fault`.
 * - Framing faults (garbage, floods) emit `fault`; they never stop the device.
 * - A transport disconnect emits `disconnect` once; the owner (see DeviceWatcher) decides when to
 *   `start()` again. `stop()` closes the transport and never rejects.
 */
import { systemDeviceTimer, type DeviceTimer } from '../devices/device-timer.js';
import { classifyCode, type ClassifiedCode } from '../protocols/scanner/code-classifier.js';
import { HidPosReportAssembler } from '../protocols/scanner/hid-pos-report-assembler.js';
import { ScannerLineFramer } from '../protocols/scanner/scanner-line-framer.js';
import type { Transport, TransportError } from '../transports/transport.js';

export interface Scan {
  readonly text: string;
  /** AIM symbology identifier (e.g. "]Q1" QR, "]E0" EAN-13) when the scanner reports it. */
  readonly aim?: string | undefined;
  readonly code: ClassifiedCode;
  readonly atMs: number;
}

export interface ScannerFault {
  readonly fault: 'framing' | 'overflow' | 'partial-timeout';
  readonly detail: string;
}

export interface ScannerDeviceEvents {
  scan: (scan: Scan) => void;
  fault: (fault: ScannerFault) => void;
  disconnect: (cause: TransportError) => void;
}

/** Framing chosen per scanner interface: CR/LF lines (serial, CDC-ACM) or HID POS reports. */
export type ScannerFraming = 'serial-lines' | 'hid-pos';

export interface ScannerDeviceOptions {
  readonly transport: Transport;
  readonly framing: ScannerFraming;
  /** Clock and one-shot timers; default the system's. */
  readonly timer?: DeviceTimer;
  readonly duplicateWindowMs?: number;
  readonly partialTimeoutMs?: number;
}

interface Decoded {
  readonly codes: { text: string; aim?: string }[];
  readonly faults: ScannerFault[];
}

interface Decoder {
  push(chunk: Uint8Array): Decoded;
  readonly hasPartial: boolean;
  reset(): void;
}

function lineDecoder(): Decoder {
  const framer = new ScannerLineFramer();
  return {
    push(chunk) {
      const decoded: Decoded = { codes: [], faults: [] };
      for (const frame of framer.push(chunk)) {
        if (frame.kind === 'code') decoded.codes.push({ text: frame.text });
        else decoded.faults.push({ fault: 'overflow', detail: `line longer than the limit: ${frame.discardedBytes} bytes discarded` });
      }
      return decoded;
    },
    get hasPartial() {
      return framer.pendingBytes > 0;
    },
    reset: () => framer.reset(),
  };
}

function hidPosDecoder(): Decoder {
  const assembler = new HidPosReportAssembler();
  const text = new TextDecoder('utf-8');
  return {
    push(chunk) {
      const result = assembler.push(chunk);
      if (result.kind === 'code') return { codes: [{ text: text.decode(result.data), aim: result.aim }], faults: [] };
      if (result.kind === 'fault') return { codes: [], faults: [{ fault: 'framing', detail: `${result.fault}: ${result.detail}` }] };
      return { codes: [], faults: [] };
    },
    get hasPartial() {
      return assembler.isPartial;
    },
    reset: () => assembler.reset(),
  };
}

export class ScannerDevice {
  private readonly transport: Transport;
  private readonly timer: DeviceTimer;
  private readonly decoder: Decoder;
  private readonly duplicateWindowMs: number;
  private readonly partialTimeoutMs: number;
  private readonly listeners: { [E in keyof ScannerDeviceEvents]: Set<ScannerDeviceEvents[E]> } = { scan: new Set(), fault: new Set(), disconnect: new Set() };
  private unsubscribe: (() => void)[] = [];
  private cancelPartialTimer: (() => void) | undefined;
  private lastScan: { text: string; atMs: number } | undefined;

  constructor(options: ScannerDeviceOptions) {
    this.transport = options.transport;
    this.timer = options.timer ?? systemDeviceTimer;
    this.decoder = options.framing === 'hid-pos' ? hidPosDecoder() : lineDecoder();
    this.duplicateWindowMs = options.duplicateWindowMs ?? 1000;
    this.partialTimeoutMs = options.partialTimeoutMs ?? 500;
  }

  get description(): string {
    return this.transport.description;
  }

  on<E extends keyof ScannerDeviceEvents>(event: E, listener: ScannerDeviceEvents[E]): () => void {
    const set = this.listeners[event] as Set<ScannerDeviceEvents[E]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async start(): Promise<void> {
    this.detach();
    this.decoder.reset();
    this.unsubscribe = [
      this.transport.on('data', (chunk) => this.receive(chunk)),
      this.transport.on('disconnect', (cause) => {
        this.detach();
        for (const listener of [...this.listeners.disconnect]) listener(cause);
      }),
    ];
    try {
      await this.transport.open();
    } catch (error) {
      this.detach();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.detach();
    await this.transport.close();
  }

  /** Feeds bytes as if they came from the transport (used by the data listener). */
  private receive(chunk: Uint8Array): void {
    const { codes, faults } = this.decoder.push(chunk);
    for (const fault of faults) this.emitFault(fault);
    for (const code of codes) this.emitScan(code.text, code.aim);
    this.cancelPartialTimer?.();
    this.cancelPartialTimer = undefined;
    if (this.decoder.hasPartial) {
      this.cancelPartialTimer = this.timer.schedule(this.partialTimeoutMs, () => {
        this.cancelPartialTimer = undefined;
        if (!this.decoder.hasPartial) return;
        this.decoder.reset();
        this.emitFault({ fault: 'partial-timeout', detail: `incomplete code discarded after ${this.partialTimeoutMs} ms without its end` });
      });
    }
  }

  private emitScan(text: string, aim: string | undefined): void {
    const atMs = this.timer.nowMs();
    if (this.duplicateWindowMs > 0 && this.lastScan && this.lastScan.text === text && atMs - this.lastScan.atMs < this.duplicateWindowMs) {
      this.lastScan = { text, atMs };
      return;
    }
    this.lastScan = { text, atMs };
    const scan: Scan = { text, aim, code: classifyCode(text), atMs };
    for (const listener of [...this.listeners.scan]) listener(scan);
  }

  private emitFault(fault: ScannerFault): void {
    for (const listener of [...this.listeners.fault]) listener(fault);
  }

  private detach(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.cancelPartialTimer?.();
    this.cancelPartialTimer = undefined;
  }
}
