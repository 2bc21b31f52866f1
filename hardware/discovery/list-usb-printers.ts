/**
 * Lists USB printer class devices (Linux usblp: /dev/usb/lp*), which are neither serial ports
 * nor HID devices, with their USB ids read from sysfs
 * (/sys/class/usbmisc/lpN/device/.. holds idVendor, idProduct and serial of the USB device).
 * Never throws: a missing /dev/usb simply means no such printers; unreadable ids stay undefined.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface UsbPrinterInfo {
  readonly path: string;
  readonly vendorId?: number | undefined;
  readonly productId?: number | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
}

export interface UsbPrinterListDependencies {
  /** Default /dev/usb. */
  readonly devDir?: string;
  /** Default /sys/class/usbmisc. */
  readonly sysClassDir?: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path, 'utf8')).trim() || undefined;
  } catch {
    // Ids are optional extras: a device without readable sysfs entries is still listed, without them.
    return undefined;
  }
}

const hexId = (text: string | undefined) => (text && /^[0-9a-fA-F]{4}$/.test(text) ? Number.parseInt(text, 16) : undefined);

export interface UsbPrinterListing {
  readonly printers: readonly UsbPrinterInfo[];
  readonly warnings: readonly string[];
}

export async function listUsbPrinters(dependencies: UsbPrinterListDependencies = {}): Promise<UsbPrinterListing> {
  const devDir = dependencies.devDir ?? '/dev/usb';
  const sysClassDir = dependencies.sysClassDir ?? '/sys/class/usbmisc';
  let names: string[];
  try {
    names = (await fs.readdir(devDir)).filter((name) => /^lp\d+$/.test(name)).sort((left, right) => left.localeCompare(right, 'en', { numeric: true }));
  } catch (error) {
    // No /dev/usb (no usblp device ever attached) simply means no USB printers.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { printers: [], warnings: [] };
    return { printers: [], warnings: [`cannot read ${devDir}: ${(error as Error).message}`] };
  }
  const printers = await Promise.all(
    names.map(async (name) => {
      // Not path.join: "device/.." must be resolved by the kernel through the sysfs symlink.
      const usbDevice = `${sysClassDir}/${name}/device/..`;
      return {
        path: join(devDir, name),
        vendorId: hexId(await readText(`${usbDevice}/idVendor`)),
        productId: hexId(await readText(`${usbDevice}/idProduct`)),
        serialNumber: await readText(`${usbDevice}/serial`),
        manufacturer: await readText(`${usbDevice}/manufacturer`),
        product: await readText(`${usbDevice}/product`),
      };
    }),
  );
  return { printers, warnings: [] };
}
