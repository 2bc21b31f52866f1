/**
 * dcttech-style USB HID relay boards (VID 0x16C0, PID 0x05DF, "USBRelayN"): the host switches a
 * relay with an 8-byte feature report on report id 0: `FF <ch>` closes (on) relay ch,
 * `FD <ch>` opens (off) it, the rest zero. As node-hid and hidapi take it, the report id comes
 * first, so the buffer is 9 bytes: `00 FF 01 00 00 00 00 00 00` switches relay 1 on.
 * (Same layout as darrylb123/usbrelay's `operate_relay`.) Pure: bytes in, bytes out.
 */
export const hidRelayOn = 0xff;
export const hidRelayOff = 0xfd;
export const maxHidRelayChannel = 8;

export class HidRelayEncodeError extends Error {
  override readonly name = 'HidRelayEncodeError';
}

export function encodeHidRelayReport(channel: number, on: boolean): Uint8Array {
  if (!Number.isInteger(channel) || channel < 1 || channel > maxHidRelayChannel) {
    throw new HidRelayEncodeError(`HID relay channel must be 1..${maxHidRelayChannel}, got ${String(channel)}`);
  }
  const report = new Uint8Array(9);
  report[1] = on ? hidRelayOn : hidRelayOff;
  report[2] = channel;
  return report;
}

/** Reads a feature report as a relay board does; `undefined` for anything that is not a switch command. Never throws. */
export function decodeHidRelayReport(report: Uint8Array): { readonly channel: number; readonly on: boolean } | undefined {
  if (report.length !== 9 || report[0] !== 0x00) return undefined;
  const op = report[1];
  const channel = report[2] ?? 0;
  if ((op !== hidRelayOn && op !== hidRelayOff) || channel < 1 || channel > maxHidRelayChannel) return undefined;
  if (report.subarray(3).some((byte) => byte !== 0)) return undefined;
  return { channel, on: op === hidRelayOn };
}
