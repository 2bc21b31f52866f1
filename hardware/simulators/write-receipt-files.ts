/** Writes a simulated receipt as `receipt-NNNN.txt` and `receipt-NNNN.png` into a folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printedColumns } from '../protocols/escpos/printer-text-encoding.js';
import type { PrinterProfile } from '../printers/printer-profiles.js';
import { printedReceiptText, type PrintedReceipt } from './printed-receipt.js';
import { renderReceiptPng } from './receipt-png-renderer.js';

export interface ReceiptFiles {
  readonly textPath: string;
  readonly pngPath: string;
}

/** Throws the file system's error when the folder is not writable (the caller reports it). */
export function writeReceiptFiles(receipt: PrintedReceipt, folder: string, profile: PrinterProfile, prefix = 'receipt'): ReceiptFiles {
  mkdirSync(folder, { recursive: true });
  const base = join(folder, `${prefix}-${String(receipt.number).padStart(4, '0')}`);
  const textPath = `${base}.txt`;
  const pngPath = `${base}.png`;
  writeFileSync(textPath, printedReceiptText(receipt, profile.columns, printedColumns));
  writeFileSync(pngPath, renderReceiptPng(receipt, profile.widthDots));
  return { textPath, pngPath };
}
