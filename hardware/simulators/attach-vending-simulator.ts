/**
 * Wires `sim:board`, `sim:relay` and `sim:mdb` URIs to the vending simulators on the device end of
 * an in-process link (the `attachSimulator` dependency of hardware/transports/open-transport.ts).
 *
 *   sim:board?fault=jam|no-drop|motor-fault|nak|garbage|silence|reset|dead&slots=60&motorMs=800
 *   sim:relay?fault=garbage|dead
 *   sim:mdb?fault=vend-fail|silent&item=1&price=3.50   (a customer selects ITEM at PRICE once the
 *                                                        reader is enabled, once)
 * Throws `SimulatedVendingUriError` for other kinds and for unknown option values.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Timers } from '../../kernel/timers.js';
import { parseMajorPrice } from '../protocols/mdb/qibixx-cashless-line.js';
import type { MemoryLink } from '../transports/memory-transport.js';
import type { SimulatedDeviceUri } from '../transports/open-transport.js';
import { boardFaults, DispenseBoardSimulator, type BoardFault } from './dispense-board-simulator.js';
import { MdbVmcSimulator, vmcFaults, type VmcFault } from './mdb-vmc-simulator.js';
import { RelayBoardSimulator, relayFaults, type RelayFault } from './relay-board-simulator.js';

export class SimulatedVendingUriError extends Error {
  override readonly name = 'SimulatedVendingUriError';
}

export type VendingSimulator = DispenseBoardSimulator | RelayBoardSimulator | MdbVmcSimulator;

function choice<T extends string>(uri: SimulatedDeviceUri, name: string, allowed: readonly T[], fallback: T): T {
  const value = uri.options[name];
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new SimulatedVendingUriError(`sim:${uri.kind}: ${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function whole(uri: SimulatedDeviceUri, name: string, fallback: number): number {
  const text = uri.options[name];
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1) throw new SimulatedVendingUriError(`sim:${uri.kind}: ${name} must be a positive whole number, got "${text}"`);
  return Number(text);
}

/** Starts the simulator for URI on `link.device` and returns it (tests and demos inspect it). */
export function attachVendingSimulator(
  uri: SimulatedDeviceUri,
  link: MemoryLink,
  dependencies: { readonly timers: Timers; readonly clock: Clock; readonly log?: (line: string) => void },
): VendingSimulator {
  const problem = (error: unknown) => dependencies.log?.(`sim:${uri.kind} not started: ${error instanceof Error ? error.message : String(error)}`);
  switch (uri.kind) {
    case 'board': {
      const board = new DispenseBoardSimulator({
        transport: link.device,
        timers: dependencies.timers,
        fault: choice<BoardFault>(uri, 'fault', boardFaults, 'none'),
        slotCount: whole(uri, 'slots', 60),
        motorMs: whole(uri, 'motorMs', 800),
        log: dependencies.log,
      });
      board.start().catch(problem);
      return board;
    }
    case 'relay': {
      const relays = new RelayBoardSimulator({ transport: link.device, clock: dependencies.clock, fault: choice<RelayFault>(uri, 'fault', relayFaults, 'none'), log: dependencies.log });
      relays.start().catch(problem);
      return relays;
    }
    case 'mdb': {
      const priceMinor = parseMajorPrice(uri.options.price ?? '3.50');
      if (priceMinor === undefined) throw new SimulatedVendingUriError(`sim:mdb: price must be a decimal amount like 3.50, got "${uri.options.price ?? ''}"`);
      const item = whole(uri, 'item', 1);
      const vmc = new MdbVmcSimulator({ transport: link.device, timers: dependencies.timers, fault: choice<VmcFault>(uri, 'fault', vmcFaults, 'none'), log: dependencies.log });
      vmc.start().catch(problem);
      // The simulated customer selects once the reader is enabled; it stops trying after 60 s so
      // a reader that never enables keeps no timer alive.
      let triesLeft = 600;
      const pick = () => {
        if (vmc.readerState === 'enabled') vmc.selectProduct(item, priceMinor);
        else if (--triesLeft > 0) dependencies.timers.setTimer(pick, 100);
      };
      dependencies.timers.setTimer(pick, 100);
      return vmc;
    }
    default:
      throw new SimulatedVendingUriError(`sim:${uri.kind} is not a vending device (use sim:board, sim:relay or sim:mdb)`);
  }
}
