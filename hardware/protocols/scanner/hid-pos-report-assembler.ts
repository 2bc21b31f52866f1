/**
 * HID POS scanned-data reports (HID Point of Sale Usage Tables 1.02, usage page 0x8C, usage 0x02
 * "Bar Code Scanner") turned back into whole codes. Pure: reports in, codes out.
 *
 * Report layout (as Honeywell, Zebra and Datalogic scanners send it in HID POS mode; node-hid
 * includes the report id as byte 0):
 *
 *   byte 0        report id 0x02 (scanned data report); other report ids are ignored
 *   byte 1        N = number of code bytes in THIS report (0..56)
 *   bytes 2..4    AIM symbology identifier (ISO/IEC 15424), e.g. "]E0" EAN-13, "]Q1" QR code
 *   bytes 5..60   code bytes (first N are valid)
 *   bytes 61..62  vendor specific (Honeywell puts its own code id in byte 61)
 *   byte 63       bit 0 set = more reports of the same code follow
 *
 * A code longer than 56 bytes spans several reports; each carries the AIM id again. The
 * assembler concatenates until a report without the more-follows flag. It does not time out
 * a half-received code (it has no clock): the device owning the clock calls `reset()` when the
 * continuation is overdue.
 */

export interface HidPosReportLayout {
  readonly reportId: number;
  readonly dataOffset: number;
  readonly maxDataLength: number;
  readonly moreFollowsOffset: number;
}

export const standardHidPosLayout: HidPosReportLayout = { reportId: 0x02, dataOffset: 5, maxDataLength: 56, moreFollowsOffset: 63 };

export type HidPosFault =
  | 'truncated-report' // shorter than the layout needs
  | 'length-out-of-range' // N larger than the data field
  | 'code-too-long'; // reassembly exceeded maxCodeBytes (a flood or a stuck flag)

export type HidPosResult =
  | { readonly kind: 'code'; readonly aim: string; readonly data: Uint8Array }
  | { readonly kind: 'partial' }
  | { readonly kind: 'ignored'; readonly reportId: number }
  | { readonly kind: 'fault'; readonly fault: HidPosFault; readonly detail: string };

export interface HidPosAssemblerOptions {
  readonly layout?: HidPosReportLayout;
  /** Longest code accepted after reassembly; default 8192 bytes (a large QR holds ~3 KB). */
  readonly maxCodeBytes?: number;
}

/** Formats an AIM identifier; bytes outside printable ASCII become "?" so logs stay readable. */
function aimText(bytes: Uint8Array): string {
  return String.fromCharCode(...[...bytes].map((byte) => (byte >= 0x20 && byte < 0x7f ? byte : 0x3f)));
}

export class HidPosReportAssembler {
  private readonly layout: HidPosReportLayout;
  private readonly maxCodeBytes: number;
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  private aim = '';

  constructor(options: HidPosAssemblerOptions = {}) {
    this.layout = options.layout ?? standardHidPosLayout;
    this.maxCodeBytes = options.maxCodeBytes ?? 8192;
  }

  /** True while a multi-report code is half received. */
  get isPartial(): boolean {
    return this.parts.length > 0;
  }

  /** Drops a half-received code (continuation overdue, device reopened). */
  reset(): void {
    this.parts = [];
    this.partsLength = 0;
    this.aim = '';
  }

  /** Feeds one input report exactly as node-hid delivered it. */
  push(report: Uint8Array): HidPosResult {
    const { reportId, dataOffset, maxDataLength, moreFollowsOffset } = this.layout;
    if (report.length === 0) return this.fault('truncated-report', 'empty report');
    if (report[0] !== reportId) return { kind: 'ignored', reportId: report[0] ?? -1 };
    if (report.length <= moreFollowsOffset || report.length < dataOffset) {
      return this.fault('truncated-report', `report of ${report.length} bytes; the layout needs ${Math.max(moreFollowsOffset + 1, dataOffset)}`);
    }
    const length = report[1] ?? 0;
    if (length > maxDataLength || dataOffset + length > report.length) {
      return this.fault('length-out-of-range', `length byte ${length} exceeds the ${maxDataLength}-byte data field`);
    }
    if (this.parts.length === 0) this.aim = aimText(report.subarray(2, 5));
    if (this.partsLength + length > this.maxCodeBytes) {
      return this.fault('code-too-long', `code longer than ${this.maxCodeBytes} bytes`);
    }
    this.parts.push(report.slice(dataOffset, dataOffset + length));
    this.partsLength += length;
    const moreFollows = ((report[moreFollowsOffset] ?? 0) & 0x01) !== 0;
    if (moreFollows) return { kind: 'partial' };
    const data = new Uint8Array(this.partsLength);
    let offset = 0;
    for (const part of this.parts) {
      data.set(part, offset);
      offset += part.length;
    }
    const aim = this.aim;
    this.reset();
    return { kind: 'code', aim, data };
  }

  private fault(fault: HidPosFault, detail: string): HidPosResult {
    this.reset();
    return { kind: 'fault', fault, detail };
  }
}

/**
 * Builds the reports a scanner sends for one code (for simulators and tests): the inverse of
 * the assembler. `aim` must be 3 ASCII characters.
 */
export function encodeHidPosReports(data: Uint8Array, aim = ']Q1', layout: HidPosReportLayout = standardHidPosLayout): Uint8Array[] {
  const reports: Uint8Array[] = [];
  const aimBytes = Uint8Array.from(aim.slice(0, 3).padEnd(3, '0'), (char) => char.charCodeAt(0) & 0x7f);
  let offset = 0;
  do {
    const length = Math.min(layout.maxDataLength, data.length - offset);
    const report = new Uint8Array(layout.moreFollowsOffset + 1);
    report[0] = layout.reportId;
    report[1] = length;
    report.set(aimBytes, 2);
    report.set(data.subarray(offset, offset + length), layout.dataOffset);
    offset += length;
    report[layout.moreFollowsOffset] = offset < data.length ? 1 : 0;
    reports.push(report);
  } while (offset < data.length);
  return reports;
}
