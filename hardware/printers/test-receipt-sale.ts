/**
 * The sale printed by `terminal print-test`: Chinese and ASCII text, full-width ￥ amounts,
 * modifiers, a payment reference and a QR code, so one page shows whether a printer gets
 * encoding, columns, QR and cut right.
 */
import type { ReceiptSale } from './receipt-layout.js';

export const testReceiptQrContent = 'https://example.com/r/TEST-000001';

export function testReceiptSale(printedAtText: string): ReceiptSale {
  return {
    merchantName: { 'zh-CN': '测试商户 打印测试', en: 'Test Merchant Print Test' },
    receiptNumber: 'TEST-000001',
    printedAtText,
    lines: [
      { name: { 'zh-CN': '牛肉面', en: 'Beef noodles' }, quantity: 1, unitPriceMinor: 2800, lineTotalMinor: 2800, modifiers: [{ name: { 'zh-CN': '加辣', en: 'Extra spicy' }, priceDeltaMinor: 0 }] },
      { name: { 'zh-CN': '珍珠奶茶 (大杯)', en: 'Bubble tea (large)' }, quantity: 2, unitPriceMinor: 1650, lineTotalMinor: 3300, modifiers: [{ name: { 'zh-CN': '加珍珠', en: 'Extra pearls' }, priceDeltaMinor: 150 }] },
      { name: { 'zh-CN': 'Coca-Cola 330ml', en: 'Coca-Cola 330ml' }, quantity: 1, unitPriceMinor: 500, lineTotalMinor: 500, modifiers: [] },
    ],
    totalMinor: 6600,
    tender: { method: 'cash', amountMinor: 10000 },
    changeMinor: 3400,
    paymentReference: 'PRINT-TEST',
    qrContent: testReceiptQrContent,
    footer: { 'zh-CN': '中文 ￥ QR 切纸 测试完成', en: 'Chinese, ￥, QR and cut test complete' },
  };
}
