/**
 * LCUS-type USB-serial relay modules (CH340 + STC MCU, 9600 8N1): 4-byte commands
 * `A0 <channel> <op> <sum>` with op 01 = close (on), 00 = open (off) and
 * sum = (A0 + channel + op) mod 256, e.g. `A0 01 01 A2` switches relay 1 on and `A0 01 00 A1`
 * off. The modules send nothing back, so a driver cannot read the relay state.
 * Pure: bytes in, bytes out.
 */
export const lcusStartByte = 0xa0;
export const maxLcusChannel = 8;

export class LcusEncodeError extends Error {
  override readonly name = 'LcusEncodeError';
}

export interface LcusSwitchCommand {
  readonly channel: number;
  readonly on: boolean;
}

export function encodeLcusSwitch({ channel, on }: LcusSwitchCommand): Uint8Array {
  if (!Number.isInteger(channel) || channel < 1 || channel > maxLcusChannel) {
    throw new LcusEncodeError(`LCUS relay channel must be 1..${maxLcusChannel}, got ${String(channel)}`);
  }
  const op = on ? 0x01 : 0x00;
  return Uint8Array.from([lcusStartByte, channel, op, (lcusStartByte + channel + op) & 0xff]);
}

export type LcusDecodeResult =
  | { readonly ok: true; readonly command: LcusSwitchCommand }
  | { readonly ok: false; readonly error: { readonly code: 'garbage' | 'bad-checksum' | 'bad-command'; readonly bytes: Uint8Array } };

/**
 * Incremental decoder of LCUS commands, as a relay module (or its simulator) reads them.
 * Never throws; resyncs on the next A0 after garbage or a wrong checksum; keeps at most 3 bytes.
 */
export class LcusRelayDecoder {
  private buffer: number[] = [];

  push(chunk: Uint8Array): LcusDecodeResult[] {
    const results: LcusDecodeResult[] = [];
    const data = [...this.buffer, ...chunk];
    let index = 0;
    let garbageStart = -1;
    const endGarbage = (at: number) => {
      if (garbageStart >= 0) results.push({ ok: false, error: { code: 'garbage', bytes: Uint8Array.from(data.slice(garbageStart, at)) } });
      garbageStart = -1;
    };
    while (index < data.length) {
      if (data[index] !== lcusStartByte) {
        if (garbageStart < 0) garbageStart = index;
        index += 1;
        continue;
      }
      endGarbage(index);
      if (data.length - index < 4) break;
      const [start = 0, channel = 0, op = 0, sum = 0] = data.slice(index, index + 4);
      if (((start + channel + op) & 0xff) !== sum) {
        results.push({ ok: false, error: { code: 'bad-checksum', bytes: Uint8Array.from(data.slice(index, index + 4)) } });
        index += 1;
        continue;
      }
      if (channel < 1 || channel > maxLcusChannel || op > 1) {
        results.push({ ok: false, error: { code: 'bad-command', bytes: Uint8Array.from(data.slice(index, index + 4)) } });
      } else {
        results.push({ ok: true, command: { channel, on: op === 1 } });
      }
      index += 4;
    }
    endGarbage(index);
    this.buffer = data.slice(index);
    return results;
  }
}
