/**
 * Lists serial ports with their USB ids. serialport's `list()` asks udev (it spawns `udevadm`);
 * where udev is missing (containers, minimal images) that throws ENOENT, and then the ports are
 * found by scanning /dev for the usual names, without USB ids, and a warning says why.
 * Never throws: a failure becomes a warning and an empty or partial list.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';

export interface SerialPortInfo {
  readonly path: string;
  readonly vendorId?: number | undefined;
  readonly productId?: number | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
}

/** serialport's PortInfo fields used here (ids are hex strings there). */
export interface RawPortInfo {
  readonly path: string;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
}

export interface SerialListing {
  readonly ports: readonly SerialPortInfo[];
  readonly warnings: readonly string[];
}

export interface SerialListDependencies {
  /** serialport's list; default `SerialPort.list` (loaded lazily). */
  readonly listPorts?: () => Promise<readonly RawPortInfo[]>;
  /** Folder scanned by the fallback; default /dev. */
  readonly devDir?: string;
}

/** Names the fallback accepts: USB-serial, CDC-ACM and on-board UARTs. */
const fallbackNames = /^tty(USB|ACM|S)\d+$/;

const parseHexId = (text: string | undefined) => (text && /^[0-9a-fA-F]{1,4}$/.test(text) ? Number.parseInt(text, 16) : undefined);

async function serialportList(): Promise<readonly RawPortInfo[]> {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

export async function listSerialPorts(dependencies: SerialListDependencies = {}): Promise<SerialListing> {
  const listPorts = dependencies.listPorts ?? serialportList;
  try {
    const raw = await listPorts();
    return {
      ports: raw.map((port) => ({
        path: port.path,
        vendorId: parseHexId(port.vendorId),
        productId: parseHexId(port.productId),
        serialNumber: port.serialNumber || undefined,
        manufacturer: port.manufacturer || undefined,
      })),
      warnings: [],
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'udevadm is not installed (Debian package "udev"), so serial ports are listed from /dev without USB ids'
        : `the serial port list failed (${(error as Error).message}); serial ports are listed from /dev without USB ids`;
    const fallback = await scanDevDir(dependencies.devDir ?? '/dev');
    return { ports: fallback.ports, warnings: [why, ...fallback.warnings] };
  }
}

/** Ports under `dir` named like serial devices that this user can open read-write. */
async function scanDevDir(dir: string): Promise<SerialListing> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    return { ports: [], warnings: [`cannot read ${dir}: ${(error as Error).message}`] };
  }
  const ports: SerialPortInfo[] = [];
  let unreadable = 0;
  for (const name of names.filter((candidate) => fallbackNames.test(candidate)).sort(byNaturalName)) {
    const path = join(dir, name);
    try {
      await fs.access(path, fsConstants.R_OK | fsConstants.W_OK);
      ports.push({ path });
    } catch (error) {
      // Not openable by this user (typically ttyS* owned by group dialout): not listed, but counted.
      if ((error as NodeJS.ErrnoException).code === 'EACCES') unreadable += 1;
    }
  }
  const warnings = unreadable > 0 ? [`${unreadable} serial device(s) in ${dir} are not accessible to this user (add it to the dialout group)`] : [];
  return { ports, warnings };
}

function byNaturalName(left: string, right: string): number {
  return left.localeCompare(right, 'en', { numeric: true });
}
