/**
 * USB ids the terminal recognises, and the role each suggests to the technician binding
 * devices. Data, not logic: add a row when a model is verified. A row without `productId`
 * matches the whole vendor (scanner makers whose products are all scanners).
 *
 * Every id comes from the public USB id registry (usb.ids, linux-usb.org) or, where noted,
 * from the device's common use in open-source POS software.
 */

export type SuggestedRole = 'receipt-printer' | 'scanner' | 'relay' | 'serial-adapter';

export interface KnownDevice {
  readonly vendorId: number;
  readonly productId?: number;
  readonly name: string;
  readonly role: SuggestedRole;
  /** What the technician should know (e.g. which devices hide behind a generic chip). */
  readonly note?: string;
}

export const knownDevices: readonly KnownDevice[] = [
  { vendorId: 0x1a86, productId: 0x7523, name: 'WCH CH340 USB-serial', role: 'serial-adapter', note: 'LCUS-1/2/4 USB relay modules and many dispense boards use this chip (9600 baud)' },
  { vendorId: 0x0403, productId: 0x6001, name: 'FTDI FT232R USB UART', role: 'serial-adapter' },
  { vendorId: 0x0403, productId: 0x6015, name: 'FTDI FT-X series USB UART', role: 'serial-adapter' },
  { vendorId: 0x10c4, productId: 0xea60, name: 'Silicon Labs CP210x USB UART', role: 'serial-adapter' },
  { vendorId: 0x067b, productId: 0x2303, name: 'Prolific PL2303 USB-serial', role: 'serial-adapter' },
  { vendorId: 0x16c0, productId: 0x05df, name: 'dcttech USB HID relay (V-USB shared id)', role: 'relay', note: 'the shared V-USB HID id: confirm the product string is "USBRelayN"' },
  { vendorId: 0x0c2e, name: 'Honeywell (Metrologic) scanner', role: 'scanner', note: 'use HID POS mode for node-hid; keyboard mode needs the wedge detector' },
  { vendorId: 0x05e0, name: 'Zebra (Symbol Technologies) scanner', role: 'scanner' },
  { vendorId: 0x1eab, name: 'Newland Auto-ID scanner', role: 'scanner' },
  { vendorId: 0x04b8, productId: 0x0202, name: 'Epson TM receipt printer (USB interface UB-U05 / TM-T88 family)', role: 'receipt-printer' },
  { vendorId: 0x0416, productId: 0x5011, name: 'POS-58/80 thermal printer (Winbond virtual COM, Xprinter-style)', role: 'receipt-printer', note: 'id as used by python-escpos examples for generic POS-58 printers' },
];

/** The best match: an exact vendor+product row first, else a vendor-wide row, else undefined. */
export function findKnownDevice(vendorId: number | undefined, productId: number | undefined): KnownDevice | undefined {
  if (vendorId === undefined) return undefined;
  return (
    knownDevices.find((device) => device.vendorId === vendorId && device.productId !== undefined && device.productId === productId) ??
    knownDevices.find((device) => device.vendorId === vendorId && device.productId === undefined)
  );
}
