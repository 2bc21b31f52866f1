import { useEffect, useRef } from 'react';
import { KeyboardWedgeDetector, type KeyboardWedgeOptions } from './keyboard-wedge-detector.js';

/**
 * Listens for a keyboard-wedge scanner anywhere on the page for as long as the component is
 * mounted, and calls `onScan` with each scanned code. One detector lives for the whole mount, so
 * re-renders (a status event every few seconds) never split a scan.
 *
 * Keys are held back (`preventDefault`) while the detector holds them, and the Enter that ends a
 * scan is swallowed, so a scanner never types into the page nor clicks the focused button. A key
 * that turns out to be a person's (a slow Enter or Space on a focused button) is let through.
 * Keys typed into a text field are left alone: the field handles its own input.
 */
export function useKeyboardWedge(onScan: (code: string) => void, options?: KeyboardWedgeOptions): void {
  const onScanRef = useRef(onScan);
  onScanRef.current = onScan;
  const optionsRef = useRef(options);

  useEffect(() => {
    const detector = new KeyboardWedgeDetector(optionsRef.current);
    // No flush timer: held keys outside a text field have nothing to be typed into, and the next
    // key after a pause releases them anyway (the detector compares the keys' own timestamps,
    // so a busy page that handles queued keys late never splits a scan).

    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
      // Space on a focused button is a person activating it; scanned payment codes have no spaces.
      if (event.key === ' ' && detector.heldKeys === 0) return;
      const decisions = detector.push({ key: event.key, timeMs: event.timeStamp });
      let swallowed = detector.heldKeys > 0;
      for (const decision of decisions) {
        if (decision.kind === 'scan') {
          swallowed = true;
          onScanRef.current(decision.code);
        }
      }
      if (swallowed) event.preventDefault();
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
    };
  }, []);
}
