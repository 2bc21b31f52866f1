/**
 * The one place a parsed device URI becomes a concrete Transport. Drivers and the composition
 * root call this; nothing else constructs transports by scheme.
 *
 * `sim:` URIs make an in-process MemoryLink; the driver gets its host end and
 * `dependencies.attachSimulator` is called once with the URI and the link, so the composition
 * root (not hardware/) decides which simulator runs on the device end. Without that callback a
 * `sim:` URI fails with 'not-found'.
 */
import type { DeviceUri } from './device-uri.js';
import { FileTransport } from './file-transport.js';
import { HidTransport, type HidBackend } from './hid-transport.js';
import { createMemoryLink, type MemoryLink } from './memory-transport.js';
import { SerialTransport } from './serial-transport.js';
import { TcpTransport } from './tcp-transport.js';
import { TransportError, type Transport } from './transport.js';

export type SimulatedDeviceUri = Extract<DeviceUri, { scheme: 'sim' }>;

/**
 * Starts a simulator on `link.device` for a `sim:` URI (e.g. a printer honouring
 * `?fault=paper-out`). It may open the device end now or later; bytes wait in the link.
 * Throw to refuse a kind it does not simulate.
 */
export type AttachSimulator = (uri: SimulatedDeviceUri, link: MemoryLink) => void;

export interface TransportDependencies {
  readonly attachSimulator?: AttachSimulator | undefined;
  /** node-hid by default; tests pass a fake. */
  readonly hidBackend?: HidBackend | undefined;
  /** TCP connect timeout; default 5000 ms. */
  readonly connectTimeoutMs?: number | undefined;
  /** For hid: URIs, the usage page to prefer (0x8C for HID POS scanners). */
  readonly hidUsagePage?: number | undefined;
}

/** Builds the transport for `uri` without opening it (the owner opens, and reopens after a disconnect). */
export function createTransport(uri: DeviceUri, dependencies: TransportDependencies = {}): Transport {
  switch (uri.scheme) {
    case 'serial':
      return new SerialTransport({ path: uri.path, baudRate: uri.baudRate, dataBits: uri.dataBits, parity: uri.parity, stopBits: uri.stopBits });
    case 'socket':
      return new TcpTransport({ host: uri.host, port: uri.port, connectTimeoutMs: dependencies.connectTimeoutMs });
    case 'file':
      return new FileTransport({ path: uri.path });
    case 'hid':
      return new HidTransport(
        { vendorId: uri.vendorId, productId: uri.productId, serialNumber: uri.serialNumber, usagePage: dependencies.hidUsagePage },
        dependencies.hidBackend,
      );
    case 'sim': {
      const query = new URLSearchParams(uri.options).toString();
      const description = `sim:${uri.kind}${query ? `?${query}` : ''}`;
      if (!dependencies.attachSimulator) {
        throw new TransportError('not-found', `${description}: no simulator is wired for sim: devices here`, false);
      }
      const link = createMemoryLink({ description });
      dependencies.attachSimulator(uri, link);
      return link.host;
    }
  }
}

/** `createTransport` then `open()`: rejects with the TransportError of the open. */
export async function openTransport(uri: DeviceUri, dependencies: TransportDependencies = {}): Promise<Transport> {
  const transport = createTransport(uri, dependencies);
  await transport.open();
  return transport;
}
