import { useEffect, useState } from 'react';
import type { PaymentView, TerminalApi } from '../../main/contract/contract.js';
import type { EventHub } from './event-hub.js';

/**
 * Follows one payment: `payment.changed` events as they come, and a `payment.status` poll every
 * few seconds as a safety net for a dropped event stream; the poll stops once the payment is final.
 */
export function usePayment(api: TerminalApi, hub: EventHub, initial: PaymentView | undefined): PaymentView | undefined {
  const [view, setView] = useState(initial);
  const paymentIntentId = initial?.paymentIntentId;

  useEffect(() => setView(initial), [initial]);

  useEffect(() => {
    if (!paymentIntentId) return;
    const unsubscribe = hub.subscribe((event) => {
      if (event.name === 'payment.changed' && event.payload.paymentIntentId === paymentIntentId) setView(event.payload);
    });
    if (view?.isFinal) return unsubscribe;
    const timer = window.setInterval(() => {
      void api['payment.status']({ paymentIntentId }).then((answer) => {
        if (answer.ok) setView(answer.value);
      });
    }, 3000);
    return () => {
      unsubscribe();
      window.clearInterval(timer);
    };
  }, [api, hub, paymentIntentId, view?.isFinal]);
  return view;
}
