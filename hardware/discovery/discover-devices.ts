/**
 * One list of attached devices for the technician (`terminal devices`) and the device watcher:
 * serial ports, HID devices and USB printer class devices (/dev/usb/lp*), each with its ids, the device URI to bind it with, and the role
 * the known-device table suggests. Never throws; problems are returned as warnings.
 */
import { findKnownDevice, type SuggestedRole } from './known-devices.js';
import { listHidDevices } from './list-hid-devices.js';
import { listSerialPorts, type SerialListDependencies } from './list-serial-ports.js';
import { listUsbPrinters, type UsbPrinterListDependencies } from './list-usb-printers.js';
import type { HidBackend } from '../transports/hid-transport.js';

export interface DiscoveredDevice {
  readonly kind: 'serial' | 'hid' | 'usb-printer';
  /** The device URI that opens it, e.g. `serial:/dev/ttyUSB0`, `hid:0x16c0:0x05df?serial=X`, `file:/dev/usb/lp0`. */
  readonly uri: string;
  readonly path: string;
  readonly vendorId?: number | undefined;
  readonly productId?: number | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly usagePage?: number | undefined;
  readonly knownAs?: string | undefined;
  readonly suggestedRole?: SuggestedRole | undefined;
  readonly note?: string | undefined;
}

export interface Discovery {
  readonly devices: readonly DiscoveredDevice[];
  readonly warnings: readonly string[];
}

export interface DiscoveryDependencies {
  readonly serial?: SerialListDependencies;
  readonly hid?: Pick<HidBackend, 'devices'>;
  readonly usbPrinters?: UsbPrinterListDependencies;
}

export const hex4 = (value: number) => `0x${value.toString(16).padStart(4, '0')}`;

export async function discoverDevices(dependencies: DiscoveryDependencies = {}): Promise<Discovery> {
  const [serial, hid, usbPrinters] = await Promise.all([listSerialPorts(dependencies.serial), listHidDevices(dependencies.hid), listUsbPrinters(dependencies.usbPrinters)]);
  const devices: DiscoveredDevice[] = [];
  for (const port of serial.ports) {
    const known = findKnownDevice(port.vendorId, port.productId);
    devices.push({ kind: 'serial', uri: `serial:${port.path}`, ...port, knownAs: known?.name, suggestedRole: known?.role, note: known?.note });
  }
  // One row per physical HID device: node-hid lists each interface; keep the POS (0x8C) one when present.
  const seen = new Map<string, DiscoveredDevice>();
  for (const device of hid.devices) {
    const serialQuery = device.serialNumber ? `?serial=${encodeURIComponent(device.serialNumber)}` : '';
    const uri = `hid:${hex4(device.vendorId)}:${hex4(device.productId)}${serialQuery}`;
    const previous = seen.get(uri);
    if (previous && !(device.usagePage === 0x8c && previous.usagePage !== 0x8c)) continue;
    const known = findKnownDevice(device.vendorId, device.productId);
    seen.set(uri, {
      kind: 'hid',
      uri,
      path: device.path ?? '',
      vendorId: device.vendorId,
      productId: device.productId,
      serialNumber: device.serialNumber || undefined,
      manufacturer: device.manufacturer || undefined,
      product: device.product || undefined,
      usagePage: device.usagePage,
      knownAs: known?.name,
      suggestedRole: known?.role,
      note: known?.note,
    });
  }
  devices.push(...seen.values());
  for (const printer of usbPrinters.printers) {
    const known = findKnownDevice(printer.vendorId, printer.productId);
    // A printer-class interface is a printer whatever the vendor table says about the chip.
    devices.push({ kind: 'usb-printer', uri: `file:${printer.path}`, ...printer, knownAs: known?.name, suggestedRole: 'receipt-printer', note: known?.note });
  }
  return { devices, warnings: [...serial.warnings, ...hid.warnings, ...usbPrinters.warnings] };
}
