import { describe, expect, it } from 'vitest';
import { layoutKitchenTicket, type KitchenTicket } from '../../../hardware/printers/kitchen-ticket-layout.js';
import { printerProfiles, type PrinterProfile } from '../../../hardware/printers/printer-profiles.js';
import { PrinterSimulator } from '../../../hardware/simulators/printer-simulator.js';

const ticket: KitchenTicket = {
  station: 'hot',
  receiptNumber: 'T-001-000042',
  printedAtText: '2026-11-25 12:30',
  lines: [{ name: { 'zh-CN': '红烧牛肉面', en: 'Braised beef noodles' }, quantity: 2, modifiers: [{ name: { 'zh-CN': '加蛋', en: 'Add egg' }, priceDeltaMinor: 200 }], note: '少盐' }],
};

function printed(bytes: Uint8Array, profile: PrinterProfile = printerProfiles['generic-80mm']) {
  const simulator = new PrinterSimulator({ profile });
  simulator.receive(bytes);
  return simulator.receipts;
}

describe('layoutKitchenTicket', () => {
  it('prints the station, the receipt number and each line with its modifiers and note, without prices, then cuts', () => {
    const [page, ...rest] = printed(layoutKitchenTicket(ticket, { profile: printerProfiles['generic-80mm'], locale: 'zh-CN' }));
    expect(rest).toEqual([]);
    expect(page?.cut).toBe(true);
    expect(page?.lines).toEqual(expect.arrayContaining(['厨房单 hot', '单号: T-001-000042', '2 × 红烧牛肉面', '  + 加蛋', '  * 少盐']));
    expect(page?.lines.join('\n')).not.toContain('￥');
  });

  it('prints English names, the banner, and feeds without cutting on a printer without a cutter', () => {
    const bytes = layoutKitchenTicket({ ...ticket, banner: '重印 / REPRINT' }, { profile: printerProfiles['generic-58mm'], locale: 'en' });
    // Without a cut the page ends at the driver's end-of-job query (GS r 1).
    const [page] = printed(Uint8Array.from([...bytes, 0x1d, 0x72, 0x01]), printerProfiles['generic-58mm']);
    expect(page?.cut).toBe(false);
    expect(page?.lines).toEqual(expect.arrayContaining(['Kitchen hot', '重印 / REPRINT', '  + Add egg']));
    // Double-size names wrap at half the 32 columns.
    expect(page?.lines.join('')).toContain('2 × Braised beef noodles');
  });
});
