import { useEffect, useState } from 'react';
import type { KioskVendingView, TerminalApi, VendView } from '../../main/contract/contract.js';
import type { EventHub } from './event-hub.js';

/**
 * Follows the kiosk's vending state and, given a payment, the vend it pays for: `vend.changed`
 * events as they come, and a `kiosk.vendStatus` poll every few seconds as a safety net for a
 * dropped event stream (it stops once the vend is final and the kiosk is ready).
 */
export function useVend(api: TerminalApi, hub: EventHub, paymentIntentId: string | undefined): { kiosk: KioskVendingView | undefined; vend: VendView | undefined } {
  const [kiosk, setKiosk] = useState<KioskVendingView | undefined>();
  const [vend, setVend] = useState<VendView | undefined>();

  useEffect(() => setVend(undefined), [paymentIntentId]);

  const settled = kiosk?.state === 'ready' && (paymentIntentId === undefined || vend?.isFinal === true);
  useEffect(() => {
    let live = true;
    const refresh = () => {
      void api['kiosk.vendStatus'](paymentIntentId === undefined ? {} : { paymentIntentId }).then((answer) => {
        if (!live || !answer.ok) return;
        setKiosk(answer.value.kiosk);
        if (answer.value.vend) setVend(answer.value.vend);
      });
    };
    const unsubscribe = hub.subscribe((event) => {
      if (event.name !== 'vend.changed') return;
      setKiosk(event.payload.kiosk);
      if (event.payload.vend && event.payload.vend.paymentIntentId === paymentIntentId) setVend(event.payload.vend);
    });
    refresh();
    const timer = settled ? undefined : window.setInterval(refresh, 2000);
    return () => {
      live = false;
      unsubscribe();
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [api, hub, paymentIntentId, settled]);
  return { kiosk, vend };
}
