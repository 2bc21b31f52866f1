/**
 * Tells a keyboard-wedge scanner (a scanner that "types" its code) from a person typing, by
 * timing. Pure and dependency-free so the renderer can import it: the caller passes each key
 * with its timestamp and owns any timer. It lives in main/domain because that is the one pure
 * layer the renderer may import (see the renderer rule in eslint.config.js).
 *
 * How the renderer uses it: on every keydown call `push({ key: event.key, timeMs: event.timeStamp })`
 * and hold the key back (preventDefault) while the detector holds it. Act on the decisions:
 * - `scan`: a scanner sent `code` (prefix and suffix removed): handle it, type nothing.
 * - `typing`: these keys were a person: replay them into the focused field, in order.
 * When no key arrives, call `flush(nowMs)` after `maxInterKeyMs` (a timer): held keys whose
 * burst is over come back as `typing`.
 *
 * A burst is a scan when: every gap between consecutive keys is ≤ `maxInterKeyMs` (scanners type
 * a key every few ms; people rarely under ~50 ms), the code (without prefix) has at least
 * `minLength` characters, it ends with one of `suffixes` (Enter by default; Tab optional), and it
 * starts with `prefix` when one is configured. Modifier keys (Shift, Alt…) are ignored: scanners
 * press Shift for capitals. Any other named key (Backspace, arrows…) is a person.
 * Note: a keyboard layout other than US makes a scanner type different characters (docs/scanners-transports-discovery.md#keyboard-layout);
 * configure the scanner for the layout in use.
 */

export interface WedgeKeyEvent {
  /** `KeyboardEvent.key`: one character, or a named key like "Enter". */
  readonly key: string;
  /** Milliseconds on any monotonic clock (e.g. `KeyboardEvent.timeStamp`). */
  readonly timeMs: number;
}

export interface KeyboardWedgeOptions {
  /** Largest gap between keys of one scan; default 40 ms. */
  readonly maxInterKeyMs?: number;
  /** Fewest characters in a scan (prefix not counted); default 6. */
  readonly minLength?: number;
  /** Keys that end a scan; default ["Enter"]. */
  readonly suffixes?: readonly string[];
  /** Characters the scanner is configured to send first; default none. */
  readonly prefix?: string;
  /** Longest scan; a longer burst is treated as typing; default 512. */
  readonly maxLength?: number;
}

export type WedgeDecision = { readonly kind: 'scan'; readonly code: string; readonly startedAtMs: number; readonly endedAtMs: number } | { readonly kind: 'typing'; readonly keys: readonly string[] };

const modifierKeys = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

export class KeyboardWedgeDetector {
  private readonly maxInterKeyMs: number;
  private readonly minLength: number;
  private readonly suffixes: readonly string[];
  private readonly prefix: string;
  private readonly maxLength: number;
  private held: string[] = [];
  private firstMs = 0;
  private lastMs = 0;

  constructor(options: KeyboardWedgeOptions = {}) {
    this.maxInterKeyMs = options.maxInterKeyMs ?? 40;
    this.minLength = options.minLength ?? 6;
    this.suffixes = options.suffixes ?? ['Enter'];
    this.prefix = options.prefix ?? '';
    this.maxLength = options.maxLength ?? 512;
  }

  /** Number of keys currently held back. */
  get heldKeys(): number {
    return this.held.length;
  }

  push(event: WedgeKeyEvent): WedgeDecision[] {
    if (modifierKeys.has(event.key)) return [];
    const decisions: WedgeDecision[] = [];
    if (this.held.length > 0 && (event.timeMs - this.lastMs > this.maxInterKeyMs || event.timeMs < this.lastMs)) {
      decisions.push(this.release());
    }
    const isSuffix = this.suffixes.includes(event.key);
    if (isSuffix) {
      if (this.held.length > 0 && this.qualifies()) {
        decisions.push({ kind: 'scan', code: this.held.join('').slice(this.prefix.length), startedAtMs: this.firstMs, endedAtMs: event.timeMs });
        this.held = [];
      } else {
        decisions.push({ kind: 'typing', keys: [...this.release().keys, event.key] });
      }
      return decisions.filter((decision) => decision.kind === 'scan' || decision.keys.length > 0);
    }
    if (event.key.length !== 1 && [...event.key].length !== 1) {
      // A named key (Backspace, ArrowLeft…) is a person at the keyboard.
      decisions.push({ kind: 'typing', keys: [...this.release().keys, event.key] });
      return decisions;
    }
    if (this.held.length === 0) this.firstMs = event.timeMs;
    this.held.push(event.key);
    this.lastMs = event.timeMs;
    const typed = this.held.join('');
    const prefixBroken = this.prefix.length > 0 && !(typed.length <= this.prefix.length ? this.prefix.startsWith(typed) : typed.startsWith(this.prefix));
    if (prefixBroken || this.held.length > this.prefix.length + this.maxLength) decisions.push(this.release());
    return decisions.filter((decision) => decision.kind === 'scan' || decision.keys.length > 0);
  }

  /** Call when no key came for `maxInterKeyMs`: a burst that is over without a suffix was typing. */
  flush(nowMs: number): WedgeDecision[] {
    if (this.held.length === 0 || nowMs - this.lastMs <= this.maxInterKeyMs) return [];
    return [this.release()];
  }

  private qualifies(): boolean {
    const typed = this.held.join('');
    return typed.startsWith(this.prefix) && this.held.length - [...this.prefix].length >= this.minLength;
  }

  private release(): { kind: 'typing'; keys: string[] } {
    const keys = this.held;
    this.held = [];
    return { kind: 'typing', keys };
  }
}
