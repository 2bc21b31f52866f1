/**
 * Device addresses in the style of CUPS device URIs. Pure parsing: no I/O.
 *
 *   serial:/dev/ttyUSB0?baud=115200      USB-serial or RS-232/485 (baud defaults to 9600)
 *   socket://10.0.0.5:9100               raw TCP, port defaults to 9100
 *   file:/dev/usb/lp0                    USB printer class device written as a file
 *   hid:0x0483:0x5750[?serial=ABC]       USB HID by vendor and product id
 *   sim:printer[?fault=paper-out]        an in-process simulated device
 */

export const simulatedDeviceKinds = ['printer', 'board', 'relay', 'mdb', 'scanner'] as const;
export type SimulatedDeviceKind = (typeof simulatedDeviceKinds)[number];

export const serialParities = ['none', 'even', 'odd', 'mark', 'space'] as const;

export type DeviceUri =
  | {
      readonly scheme: 'serial';
      readonly path: string;
      readonly baudRate: number;
      readonly dataBits: 5 | 6 | 7 | 8;
      readonly parity: (typeof serialParities)[number];
      readonly stopBits: 1 | 2;
    }
  | { readonly scheme: 'socket'; readonly host: string; readonly port: number }
  | { readonly scheme: 'file'; readonly path: string }
  | { readonly scheme: 'hid'; readonly vendorId: number; readonly productId: number; readonly serialNumber?: string | undefined }
  | { readonly scheme: 'sim'; readonly kind: SimulatedDeviceKind; readonly options: Readonly<Record<string, string>> };

export class DeviceUriError extends Error {
  override readonly name = 'DeviceUriError';
}

const examples = 'serial:/dev/ttyUSB0?baud=115200, socket://10.0.0.5:9100, file:/dev/usb/lp0, hid:0x0483:0x5750 or sim:printer';
const standardBaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

function splitQuery(rest: string): { body: string; params: URLSearchParams } {
  const index = rest.indexOf('?');
  if (index < 0) return { body: rest, params: new URLSearchParams() };
  return { body: rest.slice(0, index), params: new URLSearchParams(rest.slice(index + 1)) };
}

function rejectUnknownParams(uri: string, params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      const allowedText = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'this scheme takes no parameters';
      throw new DeviceUriError(`"${uri}": unknown parameter "${key}" (${allowedText})`);
    }
  }
}

function parseUsbId(uri: string, text: string | undefined, what: string): number {
  if (text === undefined || !/^(0x)?[0-9a-fA-F]{1,4}$/.test(text)) {
    throw new DeviceUriError(`"${uri}": ${what} must be a 16-bit hex number like 0x0483`);
  }
  return Number.parseInt(text.replace(/^0x/i, ''), 16);
}

export function parseDeviceUri(uri: string): DeviceUri {
  if (typeof uri !== 'string' || uri.trim() !== uri || uri.length === 0) {
    throw new DeviceUriError(`expected a device URI like ${examples}`);
  }
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const rest = uri.slice(colon + 1);
  switch (scheme) {
    case 'serial': {
      const { body, params } = splitQuery(rest);
      rejectUnknownParams(uri, params, ['baud', 'dataBits', 'parity', 'stopBits']);
      if (body.length === 0) throw new DeviceUriError(`"${uri}": serial needs a port path, like serial:/dev/ttyUSB0`);
      const baudRate = Number(params.get('baud') ?? '9600');
      if (!standardBaudRates.includes(baudRate)) {
        throw new DeviceUriError(`"${uri}": baud must be one of ${standardBaudRates.join(', ')}`);
      }
      const dataBits = Number(params.get('dataBits') ?? '8');
      if (dataBits !== 5 && dataBits !== 6 && dataBits !== 7 && dataBits !== 8) {
        throw new DeviceUriError(`"${uri}": dataBits must be 5, 6, 7 or 8`);
      }
      const parity = params.get('parity') ?? 'none';
      if (!(serialParities as readonly string[]).includes(parity)) {
        throw new DeviceUriError(`"${uri}": parity must be one of ${serialParities.join(', ')}`);
      }
      const stopBits = Number(params.get('stopBits') ?? '1');
      if (stopBits !== 1 && stopBits !== 2) throw new DeviceUriError(`"${uri}": stopBits must be 1 or 2`);
      return { scheme, path: body, baudRate, dataBits, parity: parity as (typeof serialParities)[number], stopBits };
    }
    case 'socket': {
      const match = /^\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(rest);
      if (!match) throw new DeviceUriError(`"${uri}": expected socket://HOST:PORT, like socket://10.0.0.5:9100`);
      const port = Number(match[2] ?? '9100');
      if (port < 1 || port > 65535) throw new DeviceUriError(`"${uri}": port must be from 1 to 65535`);
      return { scheme, host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
    }
    case 'file': {
      const path = rest.replace(/^\/\/(?=\/)/, '');
      if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path)) {
        throw new DeviceUriError(`"${uri}": file needs an absolute path, like file:/dev/usb/lp0`);
      }
      return { scheme, path };
    }
    case 'hid': {
      const { body, params } = splitQuery(rest);
      rejectUnknownParams(uri, params, ['serial']);
      const [vendor, product, extra] = body.split(':');
      if (extra !== undefined) throw new DeviceUriError(`"${uri}": expected hid:VENDOR:PRODUCT, like hid:0x0483:0x5750`);
      const serialNumber = params.get('serial') ?? undefined;
      return {
        scheme,
        vendorId: parseUsbId(uri, vendor, 'vendor id'),
        productId: parseUsbId(uri, product, 'product id'),
        serialNumber,
      };
    }
    case 'sim': {
      const { body, params } = splitQuery(rest);
      if (!(simulatedDeviceKinds as readonly string[]).includes(body)) {
        throw new DeviceUriError(`"${uri}": simulated device must be one of ${simulatedDeviceKinds.map((kind) => `sim:${kind}`).join(', ')}`);
      }
      return { scheme, kind: body as SimulatedDeviceKind, options: Object.fromEntries(params.entries()) };
    }
    default:
      throw new DeviceUriError(`"${uri}": unknown scheme; expected a device URI like ${examples}`);
  }
}
