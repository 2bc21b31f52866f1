/**
 * The Qibixx MDB-USB / MDB Pi HAT text API, cashless-slave side (the kiosk is the card reader of a
 * vending machine controller, VMC). Pure: lines in, lines out.
 *
 * From Qibixx's public docs (docs.qibixx.com, "Vending Sessions Examples" and "Cashless Device -
 * Accept a Vend Request from VMC in Always Idle"):
 * - Upper-case `C,…` lines go to the adapter; lower-case `c,…` lines come from it; `r,ACK` means
 *   the VMC polled the slave (no action needed).
 * - `C,1` enables the cashless slave (`C,0` disables it); the adapter then reports the MDB reader
 *   states `c,STATUS,INACTIVE` → `c,STATUS,DISABLED` → `c,STATUS,ENABLED` as the VMC sets it up.
 * - A selection on the machine arrives as `c,STATUS,VEND,<price>,<item>`, price in major units
 *   with a decimal point (`c,STATUS,VEND,1.00,2`).
 * - Approve with `C,VEND,<amount>` (`C,VEND,1.00`). Deny: this terminal sends `C,VEND,-1` (the
 *   command set docs/vending.md#mdb-command-set fixes; Qibixx's always-idle tutorial also shows `C,STOP` as a deny,
 *   which this module still encodes to end a session).
 * - After an approved vend: `c,VEND,SUCCESS`, then `c,STATUS,IDLE`, `c,STATUS,ENABLED`. A product
 *   that fails to drop is reported as `c,ERR,VEND 3` by the adapter (some firmware and
 *   simulators print `c,VEND,FAIL`); both parse as 'vend-failed'.
 */
export const cashlessReaderStates = ['inactive', 'disabled', 'enabled', 'idle', 'vend'] as const;
export type CashlessReaderState = (typeof cashlessReaderStates)[number];

/** What the adapter reports (`c,…` / `r,…`). */
export type AdapterEvent =
  | { readonly type: 'status'; readonly state: Exclude<CashlessReaderState, 'vend'> }
  | { readonly type: 'vend-request'; readonly priceMinor: number; readonly item: number }
  | { readonly type: 'vend-succeeded' }
  | { readonly type: 'vend-failed'; readonly detail: string }
  | { readonly type: 'error'; readonly detail: string }
  /** `r,ACK`, `c,1`, and other lines that need no action. */
  | { readonly type: 'ack'; readonly line: string };

/** What the terminal sends (`C,…`). */
export type CashlessCommand =
  | { readonly type: 'enable' }
  | { readonly type: 'disable' }
  | { readonly type: 'approve'; readonly amountMinor: number }
  | { readonly type: 'deny' }
  | { readonly type: 'stop' };

export type LineParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: { readonly code: 'bad-line'; readonly line: string; readonly reason: string } };

export class CashlessEncodeError extends Error {
  override readonly name = 'CashlessEncodeError';
}

/** Largest price the parser accepts (fen), far above any vending price; guards against overflow. */
const maxPriceMinor = 100_000_000;

/** `1.50` → 150. Two minor digits (CNY fen). `undefined` for anything else. */
export function parseMajorPrice(text: string): number | undefined {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return minor <= maxPriceMinor ? minor : undefined;
}

/** 150 → `1.50`. */
export function formatMajorPrice(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > maxPriceMinor) {
    throw new CashlessEncodeError(`amount must be a whole number of fen 0..${maxPriceMinor}, got ${String(amountMinor)}`);
  }
  return `${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, '0')}`;
}

const bad = <T>(line: string, reason: string): LineParseResult<T> => ({ ok: false, error: { code: 'bad-line', line, reason } });

/** Parses one line from the adapter. Never throws. */
export function parseAdapterLine(line: string): LineParseResult<AdapterEvent> {
  const text = line.trim();
  const parts = text.split(',');
  if (parts[0] === 'r' || parts[0] === 'x') return { ok: true, value: { type: 'ack', line: text } };
  if (parts[0] !== 'c') return bad(text, 'not a cashless-slave line (expected c,… or r,…)');
  const [, kind, sub, ...rest] = parts;
  if (kind === 'STATUS') {
    if (sub === 'VEND') {
      if (rest.length !== 2) return bad(text, 'expected c,STATUS,VEND,<price>,<item>');
      const priceMinor = parseMajorPrice(rest[0] ?? '');
      const itemText = rest[1] ?? '';
      if (priceMinor === undefined) return bad(text, `price "${rest[0] ?? ''}" is not a decimal amount`);
      if (!/^\d{1,5}$/.test(itemText) || Number(itemText) > 65535) return bad(text, `item "${itemText}" is not a number 0..65535`);
      return { ok: true, value: { type: 'vend-request', priceMinor, item: Number(itemText) } };
    }
    const state = (sub ?? '').toLowerCase();
    if (rest.length === 0 && (state === 'inactive' || state === 'disabled' || state === 'enabled' || state === 'idle')) {
      return { ok: true, value: { type: 'status', state } };
    }
    return { ok: true, value: { type: 'ack', line: text } };
  }
  if (kind === 'VEND') {
    if (sub === 'SUCCESS' && rest.length === 0) return { ok: true, value: { type: 'vend-succeeded' } };
    if (sub === 'FAIL' || sub === 'FAILURE') return { ok: true, value: { type: 'vend-failed', detail: text } };
    return bad(text, 'expected c,VEND,SUCCESS or c,VEND,FAIL');
  }
  if (kind === 'ERR') {
    const detail = [sub, ...rest].join(',');
    if (/^VEND\b/.test(detail)) return { ok: true, value: { type: 'vend-failed', detail: text } };
    return { ok: true, value: { type: 'error', detail } };
  }
  return { ok: true, value: { type: 'ack', line: text } };
}

export function encodeCashlessCommand(command: CashlessCommand): string {
  switch (command.type) {
    case 'enable':
      return 'C,1';
    case 'disable':
      return 'C,0';
    case 'approve':
      return `C,VEND,${formatMajorPrice(command.amountMinor)}`;
    case 'deny':
      return 'C,VEND,-1';
    case 'stop':
      return 'C,STOP';
  }
}

/** Parses a command line as the adapter (or the VMC simulator) reads it. Never throws. */
export function parseCashlessCommand(line: string): LineParseResult<CashlessCommand> {
  const text = line.trim();
  if (text === 'C,1') return { ok: true, value: { type: 'enable' } };
  if (text === 'C,0') return { ok: true, value: { type: 'disable' } };
  if (text === 'C,STOP') return { ok: true, value: { type: 'stop' } };
  if (text === 'C,VEND,-1') return { ok: true, value: { type: 'deny' } };
  const approve = /^C,VEND,([^,]+)$/.exec(text);
  if (approve) {
    const amountMinor = parseMajorPrice(approve[1] ?? '');
    if (amountMinor === undefined) return bad(text, `amount "${approve[1] ?? ''}" is not a decimal amount`);
    return { ok: true, value: { type: 'approve', amountMinor } };
  }
  return bad(text, 'unknown cashless command');
}

/** Encodes what an adapter reports, for simulators. */
export function encodeAdapterEvent(event: AdapterEvent): string {
  switch (event.type) {
    case 'status':
      return `c,STATUS,${event.state.toUpperCase()}`;
    case 'vend-request':
      return `c,STATUS,VEND,${formatMajorPrice(event.priceMinor)},${event.item}`;
    case 'vend-succeeded':
      return 'c,VEND,SUCCESS';
    case 'vend-failed':
      return event.detail.startsWith('c,') ? event.detail : 'c,VEND,FAIL';
    case 'error':
      return `c,ERR,${event.detail}`;
    case 'ack':
      return event.line;
  }
}
