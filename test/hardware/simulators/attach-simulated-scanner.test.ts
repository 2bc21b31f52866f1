import { describe, expect, it } from 'vitest';
import { ScannerDevice, type Scan } from '../../../hardware/scanners/scanner-device.js';
import { attachSimulatedScanner, SimulatedScannerUriError } from '../../../hardware/simulators/attach-simulated-scanner.js';
import type { ScannerSimulator } from '../../../hardware/simulators/scanner-simulator.js';
import { parseDeviceUri } from '../../../hardware/transports/device-uri.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { createTransport } from '../../../hardware/transports/open-transport.js';

describe('attachSimulatedScanner (sim:scanner through createTransport)', () => {
  it.each([['sim:scanner'], ['sim:scanner?framing=hid-pos']])('%s: codes scanned on the simulator reach a ScannerDevice', async (uri) => {
    let simulator: ScannerSimulator | undefined;
    const transport = createTransport(parseDeviceUri(uri), { attachSimulator: (parsed, link) => (simulator = attachSimulatedScanner(parsed, link)) });
    const device = new ScannerDevice({ transport, framing: uri.includes('hid-pos') ? 'hid-pos' : 'serial-lines' });
    const scanned = new Promise<Scan>((resolve) => device.on('scan', resolve));
    await device.start();
    await simulator?.scan('000201' + 'x'.repeat(70));
    expect((await scanned).text).toBe('000201' + 'x'.repeat(70));
    await device.stop();
  });

  it('refuses other kinds and unknown options', () => {
    expect(() => attachSimulatedScanner({ scheme: 'sim', kind: 'printer', options: {} }, createMemoryLink())).toThrow(SimulatedScannerUriError);
    expect(() => attachSimulatedScanner({ scheme: 'sim', kind: 'scanner', options: { framing: 'usb' } }, createMemoryLink())).toThrow(/framing must be/);
    expect(() => attachSimulatedScanner({ scheme: 'sim', kind: 'scanner', options: { speed: 'x' } }, createMemoryLink())).toThrow(/unknown: speed/);
  });
});
