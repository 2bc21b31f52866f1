/**
 * Which local user opened a loopback TCP connection to us (Linux): the kernel lists every TCP
 * socket with its owner's uid in /proc/net/tcp and /proc/net/tcp6. The client's socket is the one
 * whose local port is the connection's remote port and whose remote port is our listening port.
 *
 * Used where a secret travels on a channel other users can see (a launch code on Chromium's
 * command line): redeeming it is refused to any other user, so reading /proc/<pid>/cmdline is
 * not enough to steal the session. Elsewhere (macOS, Windows) the lookup is `unavailable`.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

export type PeerUidLookup = { readonly kind: 'found'; readonly uid: number } | { readonly kind: 'not-found' } | { readonly kind: 'unavailable' };

export interface LoopbackConnection {
  /** Our side: the port the server listens on (`socket.localPort`). */
  readonly serverPort: number;
  /** Their side: the client's address and ephemeral port (`socket.remoteAddress`, `socket.remotePort`). */
  readonly clientAddress: string;
  readonly clientPort: number;
}

const socketTables = ['/proc/net/tcp', '/proc/net/tcp6'] as const;
const established = '01';

/** The kernel prints each 32-bit word of an address in host byte order. */
function kernelAddressBytes(hex: string): Buffer {
  const bytes = Buffer.alloc(hex.length / 2);
  for (let word = 0; word * 8 < hex.length; word += 1) {
    const value = Number.parseInt(hex.slice(word * 8, word * 8 + 8), 16);
    if (endianness() === 'LE') bytes.writeUInt32LE(value, word * 4);
    else bytes.writeUInt32BE(value, word * 4);
  }
  return bytes;
}

/** An address as text Node would print it: dotted IPv4 (also for IPv4-mapped IPv6), else 8 full hex groups. */
function canonicalAddress(bytes: Buffer): string {
  const mapped = bytes.length === 16 && bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (bytes.length === 4 || mapped) return [...bytes.subarray(bytes.length - 4)].join('.');
  return Array.from({ length: 8 }, (_, group) => bytes.readUInt16BE(group * 2).toString(16)).join(':');
}

function canonicalNodeAddress(address: string): string {
  const ipv4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (ipv4?.[1]) return ipv4[1];
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':');
}

function endpointOf(text: string | undefined): { address: string; port: number } | undefined {
  const [hexAddress, hexPort] = text?.split(':') ?? [];
  if (!hexAddress || !hexPort || !/^[0-9A-F]+$/i.test(hexAddress) || hexAddress.length % 8 !== 0) return undefined;
  return { address: canonicalAddress(kernelAddressBytes(hexAddress)), port: Number.parseInt(hexPort, 16) };
}

/** The uid owning the client end of CONNECTION, read from TABLES (the kernel's socket lists). */
export function loopbackPeerUid(connection: LoopbackConnection, tables: readonly string[] = socketTables): PeerUidLookup {
  const clientAddress = canonicalNodeAddress(connection.clientAddress);
  let readAny = false;
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch (error) {
      // No /proc (not Linux) or no IPv6: try the other table.
      if (['ENOENT', 'EACCES'].includes(String((error as NodeJS.ErrnoException).code))) continue;
      throw error;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      const [, localText, remoteText, state, , , , uid] = line.trim().split(/\s+/);
      if (state !== established || uid === undefined) continue;
      const local = endpointOf(localText);
      // Address and port: another user could bind the same port on another loopback address.
      if (local?.port === connection.clientPort && local.address === clientAddress && endpointOf(remoteText)?.port === connection.serverPort) {
        return { kind: 'found', uid: Number(uid) };
      }
    }
  }
  return readAny ? { kind: 'not-found' } : { kind: 'unavailable' };
}
