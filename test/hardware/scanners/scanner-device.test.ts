import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHidPosReports } from '../../../hardware/protocols/scanner/hid-pos-report-assembler.js';
import type { DeviceTimer } from '../../../hardware/devices/device-timer.js';
import { ScannerDevice, type Scan, type ScannerFault } from '../../../hardware/scanners/scanner-device.js';
import { createPtyPair, type PtyPair } from '../../../hardware/simulators/pty-pair.js';
import { ScannerSimulator } from '../../../hardware/simulators/scanner-simulator.js';
import { HidTransport } from '../../../hardware/transports/hid-transport.js';
import { createMemoryLink } from '../../../hardware/transports/memory-transport.js';
import { SerialTransport } from '../../../hardware/transports/serial-transport.js';

/** A fake clock with manually fired timers. */
function fakeTime() {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; run: () => void }>();
  const timer: DeviceTimer = {
    nowMs: () => now,
    schedule: (delayMs, run) => {
      const id = nextId++;
      pending.set(id, { at: now + delayMs, run });
      return () => {
        pending.delete(id);
      };
    },
  };
  return {
    timer,
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.run();
        }
      }
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ScannerDevice over a memory link', () => {
  it('serial scanner: typed scans, classified, duplicates within the window dropped', async () => {
    const time = fakeTime();
    const link = createMemoryLink();
    const device = new ScannerDevice({ transport: link.host, framing: 'serial-lines', timer: time.timer });
    const simulator = new ScannerSimulator(link.device, { terminator: '\r\n' });
    const scans: Scan[] = [];
    device.on('scan', (scan) => scans.push(scan));
    await device.start();
    await simulator.start();
    await simulator.scan('281234567890123456');
    await simulator.scan('281234567890123456'); // phone held under the scanner
    await tick();
    time.advance(1500);
    await simulator.scan('281234567890123456');
    await simulator.scan('4006381333932');
    await tick();
    expect(scans.map((scan) => [scan.text, scan.code.kind, scan.atMs])).toEqual([
      ['281234567890123456', 'payment-code', 0],
      ['281234567890123456', 'payment-code', 1500],
      ['4006381333932', 'rejected', 1500],
    ]);
    expect(scans[0]?.code).toMatchObject({ wallet: 'alipay' });
    expect(scans[2]?.code).toMatchObject({ reason: 'check-digit' });
  });

  it('HID POS scanner: multi-report code with AIM id; a stalled continuation times out as a fault', async () => {
    const time = fakeTime();
    const link = createMemoryLink();
    const device = new ScannerDevice({ transport: link.host, framing: 'hid-pos', timer: time.timer });
    const scans: Scan[] = [];
    const faults: ScannerFault[] = [];
    device.on('scan', (scan) => scans.push(scan));
    device.on('fault', (fault) => faults.push(fault));
    await device.start();
    const simulator = new ScannerSimulator(link.device, { framing: 'hid-pos', aim: ']Q1' });
    await simulator.start();
    const url = `https://qr.alipay.com/${'x'.repeat(100)}`;
    await simulator.scan(url);
    await tick();
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ text: url, aim: ']Q1', code: { kind: 'rejected', reason: 'unknown-format' } });
    const [first] = encodeHidPosReports(new TextEncoder().encode('y'.repeat(80)));
    await link.device.write(first ?? new Uint8Array());
    await tick();
    time.advance(499);
    expect(faults).toEqual([]);
    time.advance(1);
    expect(faults).toEqual([{ fault: 'partial-timeout', detail: expect.stringContaining('500 ms') }]);
    await link.device.write(Uint8Array.of(2, 200, 0, 0, 0));
    await tick();
    expect(faults[1]).toMatchObject({ fault: 'framing' });
  });

  it('a serial flood without terminator is an overflow fault, and the next code still reads', async () => {
    const time = fakeTime();
    const link = createMemoryLink();
    const device = new ScannerDevice({ transport: link.host, framing: 'serial-lines', timer: time.timer });
    const scans: string[] = [];
    const faults: string[] = [];
    device.on('scan', (scan) => scans.push(scan.text));
    device.on('fault', (fault) => faults.push(fault.fault));
    await device.start();
    await link.device.open();
    await link.device.write(new Uint8Array(5000).fill(0x41));
    await link.device.write(new TextEncoder().encode('\r6901234567892\r'));
    await tick();
    expect(faults).toEqual(['overflow']);
    expect(scans).toEqual(['6901234567892']);
  });

  it('forwards one disconnect on unplug and can be started again after replug', async () => {
    const time = fakeTime();
    const link = createMemoryLink();
    const device = new ScannerDevice({ transport: link.host, framing: 'serial-lines', timer: time.timer });
    let disconnects = 0;
    device.on('disconnect', () => (disconnects += 1));
    const scans: string[] = [];
    device.on('scan', (scan) => scans.push(scan.text));
    await device.start();
    const simulator = new ScannerSimulator(link.device);
    await simulator.start();
    link.unplug();
    expect(disconnects).toBe(1);
    await expect(device.start()).rejects.toMatchObject({ code: 'not-found' });
    link.replug();
    await device.start();
    await simulator.scan('CODE123');
    await tick();
    expect(scans).toEqual(['CODE123']);
    expect(disconnects).toBe(1);
    await device.stop();
  });
});

describe('ScannerDevice over a socat PTY pair (real serialport binding)', { timeout: 60_000 }, () => {
  let pair: PtyPair | undefined;
  const toStop: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of toStop.splice(0)) await item.stop();
    await pair?.close();
  });

  it('reads codes the simulated serial scanner sends', async () => {
    pair = await createPtyPair();
    const device = new ScannerDevice({ transport: new SerialTransport({ path: pair.hostPath, baudRate: 9600 }), framing: 'serial-lines', timer: { nowMs: () => 0, schedule: () => () => undefined } });
    const simulator = new ScannerSimulator(new SerialTransport({ path: pair.devicePath, baudRate: 9600 }));
    toStop.push(device, simulator);
    const received = new Promise<Scan[]>((resolve) => {
      const scans: Scan[] = [];
      device.on('scan', (scan) => {
        scans.push(scan);
        if (scans.length === 3) resolve(scans);
      });
    });
    await device.start();
    await simulator.start();
    await simulator.scan('134567890123456789');
    await simulator.scan('6212345678901234567');
    await simulator.scan('96385074');
    const scans = await received;
    expect(scans.map((scan) => scan.code)).toMatchObject([
      { kind: 'payment-code', wallet: 'wechat' },
      { kind: 'payment-code', wallet: 'unionpay' },
      { kind: 'product', symbology: 'ean-8' },
    ]);
  });
});

describe('ScannerDevice on a HidTransport (fake node-hid device)', () => {
  it('reads a HID POS scanner: picks the 0x8C interface, reassembles reports, classifies', async () => {
    const posInterface = Object.assign(new EventEmitter(), {
      write: async () => 0,
      sendFeatureReport: async () => 0,
      close: async () => undefined,
    });
    const opened: string[] = [];
    const transport = new HidTransport(
      { vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c },
      {
        devices: async () => [
          { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw0', usagePage: 0x01 },
          { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw1', usagePage: 0x8c },
        ],
        open: async (path) => {
          opened.push(path);
          return posInterface;
        },
      },
    );
    const device = new ScannerDevice({ transport, framing: 'hid-pos', timer: { nowMs: () => 7, schedule: () => () => undefined } });
    const scans: Scan[] = [];
    device.on('scan', (scan) => scans.push(scan));
    await device.start();
    expect(opened).toEqual(['/dev/hidraw1']);
    const emv = '00020101021153031565802CN5906Cafe A6007Beijing6304';
    for (const report of encodeHidPosReports(new TextEncoder().encode(emv), ']Q1')) posInterface.emit('data', Buffer.from(report));
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ text: emv, aim: ']Q1', atMs: 7, code: { kind: 'rejected', reason: 'emv-malformed' } });
    await device.stop();
  });
});
