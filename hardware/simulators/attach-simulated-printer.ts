/**
 * Wires a `sim:printer[?fault=…&profile=…]` URI to a PrinterSimulator on the device end of the
 * in-process link (the `attachSimulator` dependency of hardware/transports/open-transport.ts).
 */
import { findPrinterProfile, defaultPrinterProfileName } from '../printers/printer-profiles.js';
import type { MemoryLink } from '../transports/memory-transport.js';
import type { SimulatedDeviceUri } from '../transports/open-transport.js';
import { PrinterSimulator, printerFaults, type PrinterFault, type PrinterSimulatorOptions } from './printer-simulator.js';

export class SimulatedPrinterUriError extends Error {
  override readonly name = 'SimulatedPrinterUriError';
}

export function simulatedPrinterFault(value: string | undefined): PrinterFault {
  const fault = value ?? 'none';
  if (!(printerFaults as readonly string[]).includes(fault)) {
    throw new SimulatedPrinterUriError(`unknown printer fault "${fault}"; expected one of ${printerFaults.join(', ')}`);
  }
  return fault as PrinterFault;
}

/** Starts the simulator on `link.device`; returns it so the caller can inspect receipts. */
export function attachSimulatedPrinter(
  uri: SimulatedDeviceUri,
  link: MemoryLink,
  options: Omit<PrinterSimulatorOptions, 'profile' | 'fault'> = {},
): PrinterSimulator {
  if (uri.kind !== 'printer') throw new SimulatedPrinterUriError(`sim:${uri.kind} is not a printer`);
  const simulator = new PrinterSimulator({
    ...options,
    profile: findPrinterProfile(uri.options['profile'] ?? defaultPrinterProfileName),
    fault: simulatedPrinterFault(uri.options['fault']),
  });
  // The memory link buffers bytes until the device end opens, so attaching asynchronously loses nothing.
  simulator.attach(link.device).catch((error: unknown) => options.onProblem?.(`simulated printer not attached: ${error instanceof Error ? error.message : String(error)}`));
  return simulator;
}
