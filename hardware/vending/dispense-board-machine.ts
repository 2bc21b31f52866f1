/**
 * A spiral-motor dispense board as a `VendingMachine`: Transport + the dispense-board protocol +
 * Clock/Timers. Follows docs/vend-rules.md#direct-drive:
 *
 *   selected → vend-pending (sequence number persisted BEFORE the VEND is sent) → dispensing
 *   → dispensed (drop sensor) | not-dispensed (jam, motor fault, no drop, NAK)
 *   → unknown on silence / garbage / a lost cable → STATUS-OF with the SAME sequence number
 *   → dispensed | not-dispensed, or not-dispensed + inspect when the board lost its history.
 *
 * A VEND is sent at most once per sequence number; resolution only ever uses STATUS-OF, which
 * never dispenses, so one paid selection can never drop twice. One vend runs at a time.
 */
import type { Clock } from '../../kernel/clock.js';
import { sleep, type Timers } from '../../kernel/timers.js';
import { DispenseBoardDecoder, type BoardFrameError } from '../protocols/dispense-board/dispense-board-decoder.js';
import { encodeBoardMessage, formatHex, vendStatusTypes, type BoardMessage, type VendStatusType } from '../protocols/dispense-board/dispense-board-frame.js';
import type { Transport } from '../transports/transport.js';
import { SlotFaultTracker } from './slot-fault-tracker.js';
import type { DirectVendRecord, VendStateStore } from './vend-state-store.js';
import type { NotDispensedReason, SlotOutOfSale, VendingMachine, VendOutcome, VendRequest } from './vending-machine.js';

export interface DispenseBoardMachineOptions {
  /** Stable id of this board in the store (e.g. the configured role name). */
  readonly machineId: string;
  /** An opened transport; the machine closes it in `close()`. */
  readonly transport: Transport;
  readonly store: VendStateStore;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Wait for the board's ACK/NAK after VEND. Default 1000 ms. */
  readonly ackTimeoutMs?: number;
  /** Wait for the drop result after the ACK (motor turn + drop sensor). Default 20000 ms. */
  readonly vendTimeoutMs?: number;
  /** Wait for each STATUS-OF answer. Default 1000 ms. */
  readonly statusTimeoutMs?: number;
  /** STATUS-OF attempts before the outcome stays 'unknown'. Default 3. */
  readonly statusAttempts?: number;
  /** Pause between STATUS-OF queries while the board says in-progress. Default 1000 ms. */
  readonly inProgressPollMs?: number;
  /** Failures in a row that take a slot out of sale. Default 3. */
  readonly maxFailuresInARow?: number;
  /** Diagnostic lines (garbage, unexpected frames); default: dropped. */
  readonly log?: (line: string) => void;
}

type Reply = BoardMessage | 'timeout' | 'disconnected';

interface Waiter {
  readonly accept: (message: BoardMessage) => boolean;
  readonly settle: (reply: Reply) => void;
}

const failureStatus: Partial<Record<VendStatusType, NotDispensedReason>> = { jam: 'jam', 'motor-fault': 'motor-fault', 'no-drop': 'no-drop' };

export class DispenseBoardMachine implements VendingMachine {
  readonly description: string;
  private readonly decoder = new DispenseBoardDecoder();
  private readonly faults: SlotFaultTracker;
  private readonly unsubscribe: (() => void)[] = [];
  private waiter: Waiter | undefined;
  /** Frames that arrived while nobody waited (an ACK and its result in one chunk); newest last, at most 16. */
  private backlog: BoardMessage[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ackTimeoutMs: number;
  private readonly vendTimeoutMs: number;
  private readonly statusTimeoutMs: number;
  private readonly statusAttempts: number;
  private readonly inProgressPollMs: number;
  private readonly log: (line: string) => void;
  /** Frames and errors seen, for diagnostics and tests. */
  readonly stats = { framesReceived: 0, frameErrors: 0 };

  constructor(private readonly options: DispenseBoardMachineOptions) {
    this.description = `dispense board ${options.machineId} on ${options.transport.description}`;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 1000;
    this.vendTimeoutMs = options.vendTimeoutMs ?? 20_000;
    this.statusTimeoutMs = options.statusTimeoutMs ?? 1000;
    this.statusAttempts = options.statusAttempts ?? 3;
    this.inProgressPollMs = options.inProgressPollMs ?? 1000;
    this.log = options.log ?? (() => undefined);
    this.faults = new SlotFaultTracker(options.machineId, options.store, options.clock, options.maxFailuresInARow ?? 3);
    this.unsubscribe.push(
      options.transport.on('data', (chunk) => this.receive(chunk)),
      options.transport.on('disconnect', (cause) => {
        this.log(`disconnected: ${cause.message}`);
        this.settleWaiter('disconnected');
      }),
    );
  }

  vend(request: VendRequest): Promise<VendOutcome> {
    return this.serialized(() => this.runVend(request));
  }

  resolvePending(): Promise<VendOutcome[]> {
    return this.serialized(async () => {
      const outcomes: VendOutcome[] = [];
      for (const record of this.options.store.openDirectVends(this.options.machineId)) outcomes.push(await this.resolveByStatus(record));
      return outcomes;
    });
  }

  /** Asks BOARD-STATUS (slot count, just-reset flag, last sequence number); undefined when it does not answer. */
  boardStatus(): Promise<Extract<BoardMessage, { type: 'board-status' }> | undefined> {
    return this.serialized(async () => {
      const reply = this.expect((message) => message.type === 'board-status', this.statusTimeoutMs);
      try {
        await this.options.transport.write(encodeBoardMessage({ type: 'board-status-request' }));
      } catch (error) {
        this.settleWaiter('disconnected');
        await reply;
        this.log(`BOARD-STATUS not sent: ${(error as Error).message}`);
        return undefined;
      }
      const answer = await reply;
      return typeof answer !== 'string' && answer.type === 'board-status' ? answer : undefined;
    });
  }

  slotsOutOfSale(): SlotOutOfSale[] {
    return this.faults.slotsOutOfSale();
  }

  returnSlotToSale(slot: number): void {
    this.faults.returnToSale(slot);
  }

  onSlotOutOfSale(listener: (slot: SlotOutOfSale) => void): () => void {
    return this.faults.onOutOfSale(listener);
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.settleWaiter('disconnected');
    await this.options.transport.close();
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runVend(request: VendRequest): Promise<VendOutcome> {
    const { store, clock, machineId } = this.options;
    const existing = store.findDirectVend(request.vendId);
    if (existing) return existing.state === 'dispensed' || existing.state === 'not-dispensed' ? outcomeOf(existing) : this.resolveByStatus(existing);
    if (this.faults.isOutOfSale(request.slot)) {
      return { kind: 'not-dispensed', vendId: request.vendId, slot: request.slot, reason: 'slot-out-of-sale', detail: `slot ${request.slot} is out of sale`, inspect: false };
    }
    // Journal first: the sequence number is durable before the board can act on it.
    const record = store.beginDirectVend({ vendId: request.vendId, machineId, slot: request.slot, atMs: clock.nowMs() });
    const firstReply = this.expect((message) => 'seq' in message && message.seq === record.sequence && (message.type === 'ack' || message.type === 'nak' || isVendStatus(message.type)), this.ackTimeoutMs);
    try {
      await this.options.transport.write(encodeBoardMessage({ type: 'vend', seq: record.sequence, slot: record.slot }));
    } catch (error) {
      this.settleWaiter('disconnected');
      await firstReply;
      // The bytes may or may not have left: only STATUS-OF can tell.
      this.log(`VEND seq ${record.sequence} write failed: ${(error as Error).message}`);
      return this.resolveByStatus(store.updateDirectVend(record.vendId, { state: 'unknown', reason: 'write failed', atMs: clock.nowMs() }));
    }
    const dispensing = store.updateDirectVend(record.vendId, { state: 'dispensing', atMs: clock.nowMs() });
    let reply = await firstReply;
    if (typeof reply !== 'string' && (reply.type === 'ack' || reply.type === 'in-progress')) {
      reply = await this.expect((message) => 'seq' in message && message.seq === record.sequence && isVendStatus(message.type) && message.type !== 'in-progress', this.vendTimeoutMs);
    }
    if (typeof reply === 'string') {
      return this.resolveByStatus(store.updateDirectVend(dispensing.vendId, { state: 'unknown', reason: reply === 'timeout' ? 'no answer' : 'disconnected', atMs: clock.nowMs() }));
    }
    return this.settleFromStatus(dispensing, reply);
  }

  /** Asks the board for SEQ's outcome (never a second VEND). */
  private async resolveByStatus(record: DirectVendRecord): Promise<VendOutcome> {
    const { store, clock, timers } = this.options;
    let current = record.state === 'unknown' ? record : store.updateDirectVend(record.vendId, { state: 'unknown', atMs: clock.nowMs() });
    let attempts = 0;
    let inProgressPolls = 0;
    const maxInProgressPolls = Math.max(1, Math.ceil(this.vendTimeoutMs / this.inProgressPollMs));
    while (attempts < this.statusAttempts) {
      const reply = this.expect((message) => 'seq' in message && message.seq === current.sequence && (message.type === 'nak' || isVendStatus(message.type)), this.statusTimeoutMs);
      try {
        await this.options.transport.write(encodeBoardMessage({ type: 'status-of', seq: current.sequence }));
      } catch (error) {
        this.settleWaiter('disconnected');
        await reply;
        return this.stillUnknown(current, `cannot ask the board: ${(error as Error).message}`);
      }
      const answer = await reply;
      if (typeof answer === 'string' || answer.type === 'nak') {
        attempts += 1;
        continue;
      }
      if (answer.type === 'in-progress' && inProgressPolls < maxInProgressPolls) {
        inProgressPolls += 1;
        await sleep(timers, this.inProgressPollMs);
        continue;
      }
      if (answer.type === 'in-progress') {
        attempts += 1;
        continue;
      }
      return this.settleFromStatus(current, answer);
    }
    current = store.findDirectVend(current.vendId) ?? current;
    return this.stillUnknown(current, `no answer to STATUS-OF seq ${current.sequence} after ${this.statusAttempts} attempts`);
  }

  private stillUnknown(record: DirectVendRecord, detail: string): VendOutcome {
    this.options.store.updateDirectVend(record.vendId, { state: 'unknown', reason: detail, atMs: this.options.clock.nowMs() });
    return { kind: 'unknown', vendId: record.vendId, slot: record.slot, detail };
  }

  private settleFromStatus(record: DirectVendRecord, message: BoardMessage): VendOutcome {
    const { store, clock } = this.options;
    let outcome: VendOutcome;
    if (message.type === 'dispensed') {
      outcome = { kind: 'dispensed', vendId: record.vendId, slot: record.slot, confirmedBy: 'drop-sensor' };
      store.updateDirectVend(record.vendId, { state: 'dispensed', reason: null, atMs: clock.nowMs() });
    } else {
      const reason: NotDispensedReason = message.type === 'nak' ? 'refused' : message.type === 'unknown-sequence' ? 'board-lost-state' : (failureStatus[message.type as VendStatusType] ?? 'refused');
      const inspect = reason === 'board-lost-state';
      const detail =
        message.type === 'nak'
          ? `board refused VEND seq ${record.sequence}: ${message.reason}`
          : inspect
            ? `board has no record of seq ${record.sequence} (reset or lost state); the product may or may not have dropped`
            : `board reported ${message.type} for seq ${record.sequence}, slot ${record.slot}`;
      outcome = { kind: 'not-dispensed', vendId: record.vendId, slot: record.slot, reason, detail, inspect };
      store.updateDirectVend(record.vendId, { state: 'not-dispensed', reason, inspect, atMs: clock.nowMs() });
    }
    this.faults.record(outcome);
    return outcome;
  }

  private expect(accept: (message: BoardMessage) => boolean, timeoutMs: number): Promise<Reply> {
    this.settleWaiter('timeout');
    const early = this.backlog.findIndex(accept);
    if (early >= 0) {
      const [message] = this.backlog.splice(early, 1);
      if (message) return Promise.resolve(message);
    }
    return new Promise<Reply>((resolve) => {
      const cancelTimer = this.options.timers.setTimer(() => {
        for (const result of this.decoder.flush()) if (!result.ok) this.noteError(result.error);
        this.settleWaiter('timeout');
      }, timeoutMs);
      this.waiter = {
        accept,
        settle: (reply) => {
          cancelTimer();
          resolve(reply);
        },
      };
    });
  }

  private settleWaiter(reply: Reply): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.settle(reply);
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.decoder.push(chunk)) {
      if (!result.ok) {
        this.noteError(result.error);
        continue;
      }
      this.stats.framesReceived += 1;
      const waiter = this.waiter;
      if (waiter?.accept(result.message)) {
        this.waiter = undefined;
        waiter.settle(result.message);
      } else {
        this.backlog.push(result.message);
        if (this.backlog.length > 16) this.backlog.shift();
        this.log(`kept frame nobody waited for: ${formatHex(encodeBoardMessage(result.message))} (${result.message.type})`);
      }
    }
  }

  private noteError(error: BoardFrameError): void {
    this.stats.frameErrors += 1;
    this.log(`frame error ${error.code}: ${error.message}`);
  }
}

function isVendStatus(type: BoardMessage['type']): type is VendStatusType {
  return (vendStatusTypes as readonly string[]).includes(type);
}

/** The outcome a final record stands for (a repeated `vend` call of a finished vend). */
function outcomeOf(record: DirectVendRecord): VendOutcome {
  if (record.state === 'dispensed') return { kind: 'dispensed', vendId: record.vendId, slot: record.slot, confirmedBy: 'drop-sensor' };
  return { kind: 'not-dispensed', vendId: record.vendId, slot: record.slot, reason: (record.reason ?? 'refused') as NotDispensedReason, detail: `recorded outcome of seq ${record.sequence}`, inspect: record.inspect };
}
