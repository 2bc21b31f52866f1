/**
 * Lists USB HID devices with their ids, usage page and serial number through node-hid.
 * Never throws: node-hid failing to load (missing libusb, no native build) or to enumerate
 * becomes a warning and an empty list, so `terminal devices` still shows the serial ports.
 */
import { nodeHidBackend, type HidBackend, type HidDeviceSummary } from '../transports/hid-transport.js';

export interface HidListing {
  readonly devices: readonly HidDeviceSummary[];
  readonly warnings: readonly string[];
}

export async function listHidDevices(backend: Pick<HidBackend, 'devices'> = nodeHidBackend): Promise<HidListing> {
  try {
    return { devices: await backend.devices(), warnings: [] };
  } catch (error) {
    return { devices: [], warnings: [`HID devices cannot be listed: ${(error as Error).message}`] };
  }
}
