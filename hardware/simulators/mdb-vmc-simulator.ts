/**
 * A vending machine controller (VMC) with a Qibixx cashless adapter in front of it, as the kiosk
 * sees it over the adapter's serial line: it reads `C,…` commands and answers with `c,…` lines
 * (qibixx-cashless-line.ts). Drives the cashless session: after `C,1` it reports INACTIVE,
 * DISABLED, ENABLED; `selectProduct` asks `c,STATUS,VEND,<price>,<item>`; then it expects an
 * approve (`C,VEND,<amount>`) or a deny (`C,VEND,-1` / `C,STOP`) and reports the vend result.
 *
 * Faults: 'vend-fail' (the product does not drop: `c,ERR,VEND 3`, as Qibixx documents it),
 * 'silent' (answers nothing). A session not answered within `giveUpAfterMs` is abandoned by the
 * VMC (`c,STATUS,ENABLED`), as a real machine times out.
 */
import type { Timers } from '../../kernel/timers.js';
import { encodeAdapterEvent, parseCashlessCommand, type AdapterEvent, type CashlessReaderState } from '../protocols/mdb/qibixx-cashless-line.js';
import { TextLineDecoder } from '../protocols/mdb/text-line-decoder.js';
import type { Transport } from '../transports/transport.js';

export const vmcFaults = ['none', 'vend-fail', 'silent'] as const;
export type VmcFault = (typeof vmcFaults)[number];

export type VmcSessionResult = 'pending' | 'dispensed' | 'failed' | 'denied' | 'stopped' | 'gave-up' | 'underpaid';

export interface VmcSession {
  readonly item: number;
  readonly priceMinor: number;
  result: VmcSessionResult;
  approvedMinor: number | null;
}

export interface MdbVmcSimulatorOptions {
  readonly transport: Transport;
  readonly timers: Timers;
  readonly fault?: VmcFault;
  /** Delay between the setup steps after `C,1`. Default 100 ms. */
  readonly setupStepMs?: number;
  /** Motor time between an approval and the result. Default 1000 ms. */
  readonly dispenseMs?: number;
  /** The VMC abandons an unanswered vend request after this long. Default 30000 ms. */
  readonly giveUpAfterMs?: number;
  readonly log?: (line: string) => void;
}

export class MdbVmcSimulator {
  private readonly lines = new TextLineDecoder();
  private fault: VmcFault;
  private state: CashlessReaderState = 'inactive';
  private cancelGiveUp: (() => void) | undefined;
  private stopListening: (() => void) | undefined;
  private readonly log: (line: string) => void;
  /** Every command line received, in order. */
  readonly received: string[] = [];
  readonly sessions: VmcSession[] = [];

  constructor(private readonly options: MdbVmcSimulatorOptions) {
    this.fault = options.fault ?? 'none';
    this.log = options.log ?? (() => undefined);
  }

  get readerState(): CashlessReaderState {
    return this.state;
  }

  get currentSession(): VmcSession | undefined {
    const last = this.sessions[this.sessions.length - 1];
    return last?.result === 'pending' ? last : undefined;
  }

  setFault(fault: VmcFault): void {
    this.fault = fault;
    this.log(`fault: ${fault}`);
  }

  async start(): Promise<void> {
    if (!this.options.transport.isOpen) await this.options.transport.open();
    this.stopListening = this.options.transport.on('data', (chunk) => this.receive(chunk));
  }

  async stop(): Promise<void> {
    this.cancelGiveUp?.();
    this.stopListening?.();
    await this.options.transport.close();
  }

  /** A customer picks ITEM on the machine. False when the reader is not enabled. */
  selectProduct(item: number, priceMinor: number): boolean {
    if (this.state !== 'enabled' && this.state !== 'idle') return false;
    const session: VmcSession = { item, priceMinor, result: 'pending', approvedMinor: null };
    this.sessions.push(session);
    this.state = 'vend';
    this.emit({ type: 'vend-request', priceMinor, item });
    this.cancelGiveUp = this.options.timers.setTimer(() => this.endSession(session, 'gave-up'), this.options.giveUpAfterMs ?? 30_000);
    return true;
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.lines.push(chunk)) {
      if (!result.ok) {
        this.log(`rx line too long (${result.error.length} bytes)`);
        continue;
      }
      this.received.push(result.line);
      this.log(`rx ${result.line}`);
      if (this.fault === 'silent') continue;
      const parsed = parseCashlessCommand(result.line);
      if (!parsed.ok) {
        this.emit({ type: 'error', detail: `UNKNOWN COMMAND ${result.line}` });
        continue;
      }
      const session = this.currentSession;
      switch (parsed.value.type) {
        case 'enable':
          this.enable();
          break;
        case 'disable':
          if (session) this.endSession(session, 'stopped', false);
          this.state = 'disabled';
          this.emit({ type: 'status', state: 'disabled' });
          break;
        case 'approve': {
          if (!session || session.approvedMinor !== null) {
            this.emit({ type: 'error', detail: 'VEND OUT OF SEQUENCE' });
            break;
          }
          this.cancelGiveUp?.();
          session.approvedMinor = parsed.value.amountMinor;
          if (parsed.value.amountMinor < session.priceMinor) {
            this.endSession(session, 'underpaid');
            break;
          }
          const fault = this.fault;
          this.options.timers.setTimer(() => {
            if (fault === 'vend-fail') {
              session.result = 'failed';
              this.emitLine('c,ERR,VEND 3');
            } else {
              session.result = 'dispensed';
              this.emit({ type: 'vend-succeeded' });
            }
            this.state = 'enabled';
            this.emit({ type: 'status', state: 'idle' });
            this.emit({ type: 'status', state: 'enabled' });
          }, this.options.dispenseMs ?? 1000);
          break;
        }
        case 'deny':
          if (session) this.endSession(session, 'denied');
          break;
        case 'stop':
          if (session && session.approvedMinor === null) this.endSession(session, 'stopped');
          break;
      }
    }
  }

  private enable(): void {
    const step = this.options.setupStepMs ?? 100;
    // Re-enabling resets the reader: a session still open is abandoned.
    const open = this.currentSession;
    if (open) this.endSession(open, 'gave-up', false);
    this.state = 'inactive';
    this.emit({ type: 'status', state: 'inactive' });
    this.options.timers.setTimer(() => {
      this.state = 'disabled';
      this.emit({ type: 'status', state: 'disabled' });
      this.options.timers.setTimer(() => {
        this.state = 'enabled';
        this.emit({ type: 'status', state: 'enabled' });
      }, step);
    }, step);
  }

  private endSession(session: VmcSession, result: VmcSessionResult, report = true): void {
    this.cancelGiveUp?.();
    if (session.result !== 'pending') return;
    session.result = result;
    this.log(`session item ${session.item}: ${result}`);
    this.state = 'enabled';
    if (report) this.emit({ type: 'status', state: 'enabled' });
  }

  private emit(event: AdapterEvent): void {
    this.emitLine(encodeAdapterEvent(event));
  }

  private emitLine(line: string): void {
    if (this.fault === 'silent') return;
    this.log(`tx ${line}`);
    this.options.transport.write(new TextEncoder().encode(`${line}\r\n`)).catch((error: unknown) => this.log(`tx failed: ${(error as Error).message}`));
  }
}
