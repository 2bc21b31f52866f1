import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView, TerminalApi } from '../../main/contract/contract.js';
import { isPaidLikeState } from '../../main/domain/payment-states.js';
import { describeError } from '../i18n/describe-error.js';
import type { EventHub } from './event-hub.js';
import { usePayment } from './use-payment.js';

export interface PaymentPresentation {
  readonly view: PaymentView;
  /** The QR drawn as a data URL at QRWIDTHPX, once drawn (merchant-presented payments). */
  readonly qrImage: string | undefined;
  /** Seconds until the QR expires, ticking twice a second while the payment runs. */
  readonly secondsLeft: number | undefined;
  /** The money counts as received (also an offline code waiting for upload). */
  readonly paid: boolean;
  readonly cancelling: boolean;
  /** Why the last cancel was refused, worded for the screen. */
  readonly error: string | undefined;
  /** Asks the core to close or reverse the payment; the view then shows what the provider says. */
  cancel(): Promise<void>;
}

/** What every payment screen shows of a running payment (the counter's panel, the kiosk's step). */
export function usePaymentPresentation(api: TerminalApi, hub: EventHub, initial: PaymentView, qrWidthPx: number): PaymentPresentation {
  const { t, i18n } = useTranslation();
  const view = usePayment(api, hub, initial) ?? initial;
  const [qrImage, setQrImage] = useState<string | undefined>();
  const [nowMs, setNowMs] = useState(() => Date.now());
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!view.qrContent) return;
    void QRCode.toDataURL(view.qrContent, { errorCorrectionLevel: 'M', margin: 2, width: qrWidthPx }).then(setQrImage);
  }, [view.qrContent, qrWidthPx]);

  useEffect(() => {
    if (view.isFinal) return;
    const timer = window.setInterval(() => setNowMs(Date.now()), 500);
    return () => window.clearInterval(timer);
  }, [view.isFinal]);

  const cancel = async () => {
    setCancelling(true);
    const answer = await api['payment.cancel']({ paymentIntentId: view.paymentIntentId });
    if (!answer.ok) setError(describeError(t, i18n.language, answer.error));
    setCancelling(false);
  };

  return {
    view,
    qrImage,
    secondsLeft: view.expiresAtMs === null ? undefined : Math.max(0, Math.ceil((view.expiresAtMs - nowMs) / 1000)),
    paid: isPaidLikeState(view.state),
    cancelling,
    error,
    cancel,
  };
}
