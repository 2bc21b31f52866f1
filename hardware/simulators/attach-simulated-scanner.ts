/**
 * Wires a `sim:scanner[?framing=hid-pos|serial-lines]` URI to a ScannerSimulator on the device
 * end of the in-process link (the `attachSimulator` dependency of open-transport.ts). The
 * caller keeps the simulator and calls `scan(code)` to make codes appear (demo, tests, UI).
 */
import type { ScannerFraming } from '../scanners/scanner-device.js';
import type { MemoryLink } from '../transports/memory-transport.js';
import type { SimulatedDeviceUri } from '../transports/open-transport.js';
import { ScannerSimulator } from './scanner-simulator.js';

export class SimulatedScannerUriError extends Error {
  override readonly name = 'SimulatedScannerUriError';
}

const framings: readonly ScannerFraming[] = ['serial-lines', 'hid-pos'];

export function attachSimulatedScanner(uri: SimulatedDeviceUri, link: MemoryLink, onProblem?: (message: string) => void): ScannerSimulator {
  if (uri.kind !== 'scanner') throw new SimulatedScannerUriError(`sim:${uri.kind} is not a scanner`);
  const unknown = Object.keys(uri.options).filter((key) => key !== 'framing');
  if (unknown.length > 0) throw new SimulatedScannerUriError(`sim:scanner takes only ?framing=…; unknown: ${unknown.join(', ')}`);
  const framing = (uri.options['framing'] ?? 'serial-lines') as ScannerFraming;
  if (!framings.includes(framing)) throw new SimulatedScannerUriError(`sim:scanner framing must be one of ${framings.join(', ')}`);
  const simulator = new ScannerSimulator(link.device, { framing });
  // The memory link buffers bytes until the device end opens, so starting asynchronously loses nothing.
  simulator.start().catch((error: unknown) => onProblem?.(`simulated scanner not started: ${error instanceof Error ? error.message : String(error)}`));
  return simulator;
}
