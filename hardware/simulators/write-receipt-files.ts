/**
 * Simulated receipts as files: `writeReceiptFiles` writes one receipt as `<prefix>-NNNN.txt` and
 * `.png` (the `terminal simulate printer` command); `ReceiptPageWriter` is what a running
 * terminal's simulated printer uses, for months of sales:
 *
 * - Page numbers continue across restarts without listing the folder: `<prefix>.last-page`
 *   holds a recent page number (rewritten every `counterEvery` pages: rewriting a file per page
 *   cost as much as the page itself), and the pages after it are found by looking up at most
 *   `counterEvery` names. A folder from an older version without it is listed once, and its
 *   pages beyond the retention are deleted in the background.
 * - Only the newest `keepPages` pages stay on disk: writing page N deletes page N − keepPages.
 * - The `.txt` is written at once; the `.png` is drawn later, off the sale's path, at most one
 *   picture per `minPictureIntervalMs` (a picture costs a few ms of CPU: at a hundred sales a
 *   second, drawing each took a third of a core). A receipt after a quiet spell gets its picture
 *   at once. When receipts come faster, only the newest `maxPendingPictures` wait: older ones
 *   are skipped (their `.txt` is there) and counted in `skippedPictures`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printedColumns } from '../protocols/escpos/printer-text-encoding.js';
import type { PrinterProfile } from '../printers/printer-profiles.js';
import { printedReceiptText, type PrintedReceipt } from './printed-receipt.js';
import { renderReceiptPng } from './receipt-png-renderer.js';

export interface ReceiptFiles {
  readonly textPath: string;
  readonly pngPath: string;
}

function pageBase(folder: string, prefix: string, number: number): string {
  return join(folder, `${prefix}-${String(number).padStart(4, '0')}`);
}

/** Throws the file system's error when the folder is not writable (the caller reports it). */
export function writeReceiptFiles(receipt: PrintedReceipt, folder: string, profile: PrinterProfile, prefix = 'receipt'): ReceiptFiles {
  mkdirSync(folder, { recursive: true });
  const base = pageBase(folder, prefix, receipt.number);
  const textPath = `${base}.txt`;
  const pngPath = `${base}.png`;
  writeFileSync(textPath, printedReceiptText(receipt, profile.columns, printedColumns));
  writeFileSync(pngPath, renderReceiptPng(receipt, profile.widthDots));
  return { textPath, pngPath };
}

export interface ReceiptPageWriterOptions {
  readonly folder: string;
  /** File name prefix, `[A-Za-z0-9-]` only (other characters become `_`). */
  readonly prefix: string;
  readonly profile: PrinterProfile;
  /** Pages kept on disk, the newest (default 500). */
  readonly keepPages?: number | undefined;
  /** Pictures waiting to be drawn at most (default 4); older waiting ones are skipped. */
  readonly maxPendingPictures?: number | undefined;
  /** Least time between two pictures (default 250 ms). */
  readonly minPictureIntervalMs?: number | undefined;
  /** A page or picture that could not be written or deleted (the caller logs it). */
  readonly onProblem?: ((message: string, error: unknown) => void) | undefined;
}

/** Pages between two rewrites of the counter file. */
const counterEvery = 100;

interface PendingPicture {
  readonly receipt: PrintedReceipt;
  readonly pngPath: string;
}

export class ReceiptPageWriter {
  readonly prefix: string;
  private readonly keepPages: number;
  private readonly maxPendingPictures: number;
  private readonly minPictureIntervalMs: number;
  /** performance.now() of the last picture drawn. */
  private lastPictureAtMs = Number.NEGATIVE_INFINITY;
  private readonly counterFile: string;
  private lastPage: number;
  private readonly pending: PendingPicture[] = [];
  private drawing: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private skipped = 0;
  private stopped = false;

  constructor(private readonly options: ReceiptPageWriterOptions) {
    this.prefix = options.prefix.replace(/[^A-Za-z0-9-]/g, '_');
    this.keepPages = Math.max(1, options.keepPages ?? 500);
    this.maxPendingPictures = Math.max(1, options.maxPendingPictures ?? 4);
    this.minPictureIntervalMs = Math.max(0, options.minPictureIntervalMs ?? 250);
    this.counterFile = join(options.folder, `${this.prefix}.last-page`);
    this.lastPage = this.readLastPage();
  }

  /** The number of the newest page written (0 before the first). */
  get lastPageNumber(): number {
    return this.lastPage;
  }

  /** Pictures not drawn because newer receipts overtook them. */
  get skippedPictures(): number {
    return this.skipped;
  }

  /**
   * Writes RECEIPT as the next page: the `.txt` now, the `.png` soon. Problems go to
   * `onProblem`; this never throws. Returns the page's paths.
   */
  write(receipt: PrintedReceipt): ReceiptFiles {
    this.lastPage += 1;
    const number = this.lastPage;
    const base = pageBase(this.options.folder, this.prefix, number);
    const files = { textPath: `${base}.txt`, pngPath: `${base}.png` };
    try {
      mkdirSync(this.options.folder, { recursive: true });
      writeFileSync(files.textPath, printedReceiptText({ ...receipt, number }, this.options.profile.columns, printedColumns));
      if (number % counterEvery === 0) writeFileSync(this.counterFile, String(number));
    } catch (error) {
      this.options.onProblem?.(`page ${number} not written`, error);
    }
    this.deletePage(number - this.keepPages);
    if (this.stopped) return files;
    this.pending.push({ receipt: { ...receipt, number }, pngPath: files.pngPath });
    while (this.pending.length > this.maxPendingPictures) {
      this.pending.shift();
      this.skipped += 1;
    }
    this.scheduleDrawing();
    return files;
  }

  /** Resolves once every waiting picture is drawn (or skipped). */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.drawing === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops drawing: waiting pictures are dropped (their `.txt` pages are written). */
  stop(): void {
    this.stopped = true;
    this.skipped += this.pending.length;
    this.pending.length = 0;
    if (this.drawing) clearTimeout(this.drawing);
    this.drawing = undefined;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private drawNext(): void {
    this.drawing = undefined;
    const picture = this.pending.shift();
    if (picture) {
      this.lastPictureAtMs = performance.now();
      try {
        // The page may already be out of the retention window if many receipts came in between.
        if (picture.receipt.number > this.lastPage - this.keepPages) writeFileSync(picture.pngPath, renderReceiptPng(picture.receipt, this.options.profile.widthDots));
      } catch (error) {
        this.options.onProblem?.(`picture of page ${picture.receipt.number} not written`, error);
      }
    }
    if (this.pending.length > 0) this.scheduleDrawing();
    else for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private scheduleDrawing(): void {
    if (this.drawing) return;
    const waitMs = Math.max(0, this.lastPictureAtMs + this.minPictureIntervalMs - performance.now());
    this.drawing = setTimeout(() => this.drawNext(), waitMs);
    this.drawing.unref(); // a picture never holds the process open
  }

  private deletePage(number: number): void {
    if (number < 1) return;
    const base = pageBase(this.options.folder, this.prefix, number);
    try {
      rmSync(`${base}.txt`, { force: true });
      rmSync(`${base}.png`, { force: true });
    } catch (error) {
      this.options.onProblem?.(`old page ${number} not deleted`, error);
    }
  }

  /**
   * The counter file's number, then the newest of the `counterEvery` pages that may follow it;
   * without a counter (first start, or a folder from an older version), one listing.
   */
  private readLastPage(): number {
    let text: string | undefined;
    try {
      text = readFileSync(this.counterFile, 'utf8');
    } catch {
      // No counter yet: fall back to the listing below.
      text = undefined;
    }
    if (text !== undefined && /^\d{1,15}$/.test(text.trim())) {
      const counted = Number(text.trim());
      let last = counted;
      for (let number = counted + 1; number < counted + counterEvery; number += 1) {
        if (existsSync(`${pageBase(this.options.folder, this.prefix, number)}.txt`)) last = number;
      }
      return last;
    }
    let names: string[];
    try {
      names = readdirSync(this.options.folder);
    } catch {
      return 0; // no folder yet: nothing printed so far
    }
    const pattern = new RegExp(`^${this.prefix}-(\\d+)\\.(txt|png)$`);
    let last = 0;
    const pages: { name: string; number: number }[] = [];
    for (const name of names) {
      const match = pattern.exec(name);
      if (!match) continue;
      const number = Number(match[1]);
      pages.push({ name, number });
      if (number > last) last = number;
    }
    const stale = pages.filter((page) => page.number <= last - this.keepPages);
    if (stale.length > 0) void this.deleteInBackground(stale.map((page) => join(this.options.folder, page.name)));
    if (last > 0) {
      try {
        writeFileSync(this.counterFile, String(last)); // the next start reads it instead of listing
      } catch (error) {
        this.options.onProblem?.('page counter not written', error);
      }
    }
    return last;
  }

  private async deleteInBackground(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      if (this.stopped) return;
      try {
        await rm(path, { force: true });
      } catch (error) {
        this.options.onProblem?.(`old page ${path} not deleted`, error);
      }
    }
  }
}
