/**
 * A spiral-motor dispense board that speaks the real dispense-board protocol over any Transport
 * (the device end of a memory link or a PTY opened with serialport). Used by tests, the demo and
 * `terminal simulate board`.
 *
 * Behaviour (the board side of docs/dispense-board-protocol.md): VEND → ACK, motor runs
 * `motorMs`, then DISPENSED (or the fault's status); a VEND or STATUS-OF for a known sequence
 * number answers that vend's status and never dispenses again; STATUS-OF for an unknown sequence
 * number answers UNKNOWN-SEQUENCE. History holds the last 64 vends.
 *
 * Faults (switchable at any time, they stay until changed):
 *   jam | no-drop | motor-fault  the vend ends with that status, nothing drops
 *   nak                          VEND is refused with NAK busy
 *   garbage                      replies to VEND are replaced by junk bytes (the product drops;
 *                                STATUS-OF is answered properly)
 *   silence                      no reply to VEND at all (the product drops; STATUS-OF answered)
 *   reset                        the board reboots mid-vend: nothing drops, history is lost
 *   dead                         answers nothing
 */
import type { Timers } from '../../kernel/timers.js';
import { DispenseBoardDecoder } from '../protocols/dispense-board/dispense-board-decoder.js';
import { encodeBoardMessage, formatHex, type BoardMessage, type VendStatusType } from '../protocols/dispense-board/dispense-board-frame.js';
import type { Transport } from '../transports/transport.js';

export const boardFaults = ['none', 'jam', 'no-drop', 'motor-fault', 'nak', 'garbage', 'silence', 'reset', 'dead'] as const;
export type BoardFault = (typeof boardFaults)[number];

/** Junk with false headers in it, so the driver's resync is exercised too. */
export const boardJunkBytes = Uint8Array.from([0x00, 0xff, 0xa5, 0x13, 0x37, 0x5a, 0x5a, 0xa5, 0x5a, 0x05, 0xee]);

export interface DispenseBoardSimulatorOptions {
  readonly transport: Transport;
  readonly timers: Timers;
  readonly slotCount?: number;
  readonly motorMs?: number;
  readonly fault?: BoardFault;
  /** One line per frame received and per action, for `terminal simulate board`. */
  readonly log?: (line: string) => void;
}

const historyLimit = 64;

export class DispenseBoardSimulator {
  private readonly decoder = new DispenseBoardDecoder();
  private readonly history = new Map<number, { slot: number; status: VendStatusType }>();
  private fault: BoardFault;
  private justReset = true;
  private lastSeq = 0;
  private stopListening: (() => void) | undefined;
  private readonly log: (line: string) => void;
  /** Products that fell, per slot. */
  readonly dropsBySlot = new Map<number, number>();
  /** Every well-formed frame received, in order. */
  readonly received: BoardMessage[] = [];

  constructor(private readonly options: DispenseBoardSimulatorOptions) {
    this.fault = options.fault ?? 'none';
    this.log = options.log ?? (() => undefined);
  }

  get totalDrops(): number {
    return [...this.dropsBySlot.values()].reduce((sum, count) => sum + count, 0);
  }

  setFault(fault: BoardFault): void {
    this.fault = fault;
    this.log(`fault: ${fault}`);
  }

  async start(): Promise<void> {
    if (!this.options.transport.isOpen) await this.options.transport.open();
    this.stopListening = this.options.transport.on('data', (chunk) => this.receive(chunk));
  }

  async stop(): Promise<void> {
    this.stopListening?.();
    await this.options.transport.close();
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.decoder.push(chunk)) {
      if (!result.ok) {
        this.log(`rx error ${result.error.code}: ${result.error.message}`);
        continue;
      }
      this.received.push(result.message);
      this.log(`rx ${result.message.type} ${JSON.stringify(result.message)}`);
      this.handle(result.message);
    }
  }

  private handle(message: BoardMessage): void {
    if (this.fault === 'dead') return;
    switch (message.type) {
      case 'vend':
        this.vend(message.seq, message.slot);
        return;
      case 'status-of': {
        const known = this.history.get(message.seq);
        this.send({ type: known?.status ?? 'unknown-sequence', seq: message.seq, slot: known?.slot ?? 0 });
        return;
      }
      case 'board-status-request':
        this.send({ type: 'board-status', slotCount: this.options.slotCount ?? 60, justReset: this.justReset, dropSensorFault: false, lastSeq: this.lastSeq });
        this.justReset = false;
        return;
      case 'reset':
        this.history.clear();
        this.justReset = true;
        this.send({ type: 'ack', seq: 0, slot: 0, acked: 'reset' });
        return;
      default:
        this.log(`ignored ${message.type} (a board never receives it)`);
    }
  }

  private vend(seq: number, slot: number): void {
    const known = this.history.get(seq);
    if (known) {
      this.log(`seq ${seq} already known (${known.status}): answering its status, not dispensing`);
      this.send({ type: known.status, seq, slot: known.slot });
      return;
    }
    if (slot > (this.options.slotCount ?? 60)) {
      this.send({ type: 'nak', seq, slot, reason: 'bad-slot' });
      return;
    }
    if (this.fault === 'nak') {
      this.send({ type: 'nak', seq, slot, reason: 'busy' });
      return;
    }
    const fault = this.fault;
    this.remember(seq, slot, 'in-progress');
    this.replyToVend(fault, { type: 'ack', seq, slot, acked: 'vend' });
    this.options.timers.setTimer(() => {
      if (fault === 'reset') {
        this.history.clear();
        this.justReset = true;
        this.log(`board reset during seq ${seq}: history lost, nothing dropped`);
        return;
      }
      const status: VendStatusType = fault === 'jam' || fault === 'no-drop' || fault === 'motor-fault' ? fault : 'dispensed';
      if (status === 'dispensed') this.dropsBySlot.set(slot, (this.dropsBySlot.get(slot) ?? 0) + 1);
      this.remember(seq, slot, status);
      this.log(`seq ${seq} slot ${slot}: ${status}`);
      this.replyToVend(fault, { type: status, seq, slot });
    }, this.options.motorMs ?? 1500);
  }

  private remember(seq: number, slot: number, status: VendStatusType): void {
    this.history.delete(seq);
    this.history.set(seq, { slot, status });
    this.lastSeq = seq;
    while (this.history.size > historyLimit) {
      const oldest = this.history.keys().next().value;
      if (oldest === undefined) break;
      this.history.delete(oldest);
    }
  }

  private replyToVend(fault: BoardFault, message: BoardMessage): void {
    if (fault === 'silence') return;
    if (fault === 'garbage') {
      this.write(boardJunkBytes);
      return;
    }
    this.send(message);
  }

  private send(message: BoardMessage): void {
    this.write(encodeBoardMessage(message));
  }

  private write(bytes: Uint8Array): void {
    this.log(`tx ${formatHex(bytes)}`);
    this.options.transport.write(bytes).catch((error: unknown) => this.log(`tx failed: ${(error as Error).message}`));
  }
}
