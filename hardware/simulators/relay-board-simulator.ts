/**
 * An LCUS relay module on a Transport (memory link or PTY): decodes `A0 ch op sum` commands,
 * tracks each channel's state and the length of each pulse (on → off) on the injected clock.
 * Faults: 'garbage' answers every command with junk bytes (a real LCUS answers nothing, so a
 * driver must ignore it), 'dead' stops switching (commands are logged, relays stay as they are).
 */
import type { Clock } from '../../kernel/clock.js';
import { decodeHidRelayReport } from '../protocols/relay/hid-relay-report.js';
import { LcusRelayDecoder, type LcusSwitchCommand } from '../protocols/relay/lcus-relay-frame.js';
import type { Transport } from '../transports/transport.js';

export const relayFaults = ['none', 'garbage', 'dead'] as const;
export type RelayFault = (typeof relayFaults)[number];

export interface RelayPulse {
  readonly channel: number;
  readonly onAtMs: number;
  readonly durationMs: number;
}

export class RelayBoardSimulator {
  private readonly decoder = new LcusRelayDecoder();
  private readonly onSince = new Map<number, number>();
  private stopListening: (() => void) | undefined;
  private fault: RelayFault;
  readonly received: LcusSwitchCommand[] = [];
  readonly pulses: RelayPulse[] = [];

  constructor(
    private readonly options: { readonly transport: Transport; readonly clock: Clock; readonly fault?: RelayFault; readonly log?: (line: string) => void },
  ) {
    this.fault = options.fault ?? 'none';
  }

  setFault(fault: RelayFault): void {
    this.fault = fault;
  }

  isOn(channel: number): boolean {
    return this.onSince.has(channel);
  }

  async start(): Promise<void> {
    if (!this.options.transport.isOpen) await this.options.transport.open();
    this.stopListening = this.options.transport.on('data', (chunk) => this.receive(chunk));
  }

  async stop(): Promise<void> {
    this.stopListening?.();
    await this.options.transport.close();
  }

  /**
   * This board as a dcttech HID relay: a feature-report writer (the shape RelayVendingMachine's
   * `hidRelaySwitch` takes). Reports that are not switch commands are rejected like a device would
   * refuse them; after `unplug` every report fails.
   */
  hidFeatureReportWriter(description = 'sim:relay (HID)'): { description: string; sendFeatureReport(report: Uint8Array): Promise<void>; close(): Promise<void>; unplug(): void } {
    let plugged = true;
    return {
      description,
      sendFeatureReport: async (report) => {
        if (!plugged) throw new Error(`${description}: device unplugged`);
        const command = decodeHidRelayReport(report);
        if (!command) throw new Error(`${description}: feature report not understood`);
        this.apply(command);
      },
      close: async () => undefined,
      unplug: () => {
        plugged = false;
      },
    };
  }

  /** Applies one switch command (decoded from LCUS bytes or a HID feature report). */
  apply(command: LcusSwitchCommand): void {
    this.received.push(command);
    this.options.log?.(`relay ${command.channel} ${command.on ? 'on' : 'off'}`);
    if (this.fault === 'dead') return;
    const now = this.options.clock.nowMs();
    const since = this.onSince.get(command.channel);
    if (command.on && since === undefined) this.onSince.set(command.channel, now);
    if (!command.on && since !== undefined) {
      this.onSince.delete(command.channel);
      this.pulses.push({ channel: command.channel, onAtMs: since, durationMs: now - since });
    }
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.decoder.push(chunk)) {
      if (!result.ok) {
        this.options.log?.(`rx error ${result.error.code}: ${Array.from(result.error.bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')}`);
        continue;
      }
      this.apply(result.command);
      if (this.fault === 'garbage') void this.options.transport.write(Uint8Array.of(0x13, 0x37)).catch(() => undefined /* junk is best effort */);
    }
  }
}
