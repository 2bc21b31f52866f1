/**
 * USB HID transport over node-hid: HID POS scanners, dcttech-style relay boards, HID printers.
 *
 * Follows the Transport rules of transport.ts; HID specifics:
 * - The device is chosen by vendor id, product id and optionally serial number (two identical
 *   relay boards differ only by it). `open()` rejects 'not-found' when no such device is
 *   attached, 'permission' when hidraw access is denied (install a udev rule), else 'io'.
 * - `write(bytes)` sends ONE output report: `bytes[0]` is the report id (0 when the device uses
 *   no numbered reports), as hidapi expects. `sendFeatureReport(bytes)` does the same for feature
 *   reports (dcttech relays switch by feature report `FF ch` / `FD ch`).
 * - Each input report arrives as one `data` chunk, exactly as node-hid delivers it.
 * - An 'error' from the device (unplugged, read failure) emits exactly one `disconnect` ('io').
 *
 * The node-hid calls are behind `HidBackend` so the transport is tested with a fake device: no
 * HID hardware and no /dev/uhid exist on the development machines.
 */
import { TransportError, type Transport, type TransportEvents } from './transport.js';
import { TransportListeners } from './transport-listeners.js';

/** The subset of node-hid's HIDAsync the transport uses. */
export interface HidDeviceHandle {
  write(values: number[] | Buffer): Promise<number>;
  sendFeatureReport(data: number[] | Buffer): Promise<number>;
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): Promise<void>;
}

export interface HidDeviceSummary {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
  readonly interface?: number | undefined;
}

/** How the transport reaches HID devices; `nodeHidBackend` in production, a fake in tests. */
export interface HidBackend {
  devices(): Promise<readonly HidDeviceSummary[]>;
  open(path: string): Promise<HidDeviceHandle>;
}

export interface HidTransportOptions {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string | undefined;
  /** Prefer the interface with this usage page (0x8C for HID POS scanners) when a device has several. */
  readonly usagePage?: number | undefined;
}

const hex4 = (value: number) => `0x${value.toString(16).padStart(4, '0')}`;

/** The real backend, loading node-hid lazily so merely importing this module needs no native code. */
export const nodeHidBackend: HidBackend = {
  async devices() {
    const hid = await import('node-hid');
    return hid.devicesAsync();
  },
  async open(path) {
    const hid = await import('node-hid');
    return hid.HIDAsync.open(path) as unknown as Promise<HidDeviceHandle>;
  },
};

/** Stops listening to a device we let go, keeping an 'error' sink so a late error cannot crash the process. */
function detach(device: HidDeviceHandle): void {
  device.removeAllListeners();
  device.on('error', () => {
    // Errors from a device we already closed or lost carry no news: it is gone either way.
  });
}

export class HidTransport implements Transport {
  readonly description: string;
  private readonly listeners = new TransportListeners();
  private device: HidDeviceHandle | undefined;

  constructor(
    private readonly options: HidTransportOptions,
    private readonly backend: HidBackend = nodeHidBackend,
  ) {
    this.description = `hid:${hex4(options.vendorId)}:${hex4(options.productId)}${options.serialNumber ? `?serial=${options.serialNumber}` : ''}`;
  }

  get isOpen(): boolean {
    return this.device !== undefined;
  }

  async open(): Promise<void> {
    if (this.device) return;
    let candidates: readonly HidDeviceSummary[];
    try {
      candidates = (await this.backend.devices()).filter(
        (device) =>
          device.vendorId === this.options.vendorId &&
          device.productId === this.options.productId &&
          (this.options.serialNumber === undefined || device.serialNumber === this.options.serialNumber) &&
          device.path !== undefined,
      );
    } catch (error) {
      throw new TransportError('io', `${this.description}: cannot list HID devices: ${(error as Error).message}`);
    }
    const chosen = candidates.find((device) => this.options.usagePage !== undefined && device.usagePage === this.options.usagePage) ?? candidates[0];
    if (!chosen?.path) throw new TransportError('not-found', `${this.description}: no such HID device attached`);
    let device: HidDeviceHandle;
    try {
      device = await this.backend.open(chosen.path);
    } catch (error) {
      const message = (error as Error).message;
      if (/permission|EACCES|EPERM/i.test(message)) {
        throw new TransportError('permission', `${this.description}: ${message} (install a udev rule granting hidraw access)`);
      }
      if (/busy/i.test(message)) throw new TransportError('busy', `${this.description}: ${message}`);
      throw new TransportError('io', `${this.description}: cannot open ${chosen.path}: ${message}`);
    }
    this.device = device;
    device.on('data', (report: Buffer) => {
      if (this.device === device) this.listeners.emitData(Uint8Array.from(report));
    });
    device.on('error', (error: Error) => this.lost(device, error));
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.send(bytes, 'write');
  }

  /** Sends one feature report; `bytes[0]` is the report id. Same error rules as `write()`. */
  async sendFeatureReport(bytes: Uint8Array): Promise<void> {
    await this.send(bytes, 'sendFeatureReport');
  }

  async close(): Promise<void> {
    const device = this.device;
    this.device = undefined;
    if (!device) return;
    detach(device);
    await device.close().catch(() => {
      // close() never rejects by contract; a device that fails to close is gone either way.
    });
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  private async send(bytes: Uint8Array, how: 'write' | 'sendFeatureReport'): Promise<void> {
    const device = this.device;
    if (!device) throw new TransportError('closed', `${this.description}: write on a closed transport`);
    try {
      await device[how]([...bytes]);
    } catch (error) {
      if (this.device !== device) throw new TransportError('closed', `${this.description}: closed during write`);
      this.lost(device, error as Error);
      throw new TransportError('io', `${this.description}: ${how} failed: ${(error as Error).message}`);
    }
  }

  private lost(device: HidDeviceHandle, error: Error): void {
    if (this.device !== device) return;
    this.device = undefined;
    detach(device);
    void device.close().catch(() => {
      // The device is already gone (unplugged); its handle may refuse to close and that is fine.
    });
    this.listeners.emitDisconnect(new TransportError('io', `${this.description}: disconnected: ${error.message}`));
  }
}
