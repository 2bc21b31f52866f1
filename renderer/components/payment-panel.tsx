import { useTranslation } from 'react-i18next';
import type { PaymentView, TerminalApi } from '../../main/contract/contract.js';
import { formatMoney } from '../../kernel/money.js';
import type { EventHub } from '../api/event-hub.js';
import { usePaymentPresentation } from '../api/use-payment-presentation.js';

/**
 * A running wallet payment: the dynamic QR with its countdown (merchant-presented) or the state of
 * a scanned code (customer-presented), until it is final. Cancel asks the core to close or reverse
 * it at the provider; the panel reports whatever the provider then says (it may still be paid).
 */
export function PaymentPanel({ api, hub, initial, onDone }: { api: TerminalApi; hub: EventHub; initial: PaymentView; onDone: (view: PaymentView) => void }) {
  const { t } = useTranslation();
  const { view, qrImage, secondsLeft, paid, cancelling, error, cancel } = usePaymentPresentation(api, hub, initial, 320);

  return (
    <div className={`payment-panel payment-panel--${paid ? 'paid' : view.isFinal ? 'ended' : 'running'}`} data-testid="payment-panel" data-state={view.state}>
      <div className="payment-panel__amount">{formatMoney(view.amountMinor)}</div>
      {view.method === 'qr' && !view.isFinal && !paid && (
        <>
          {qrImage ? <img className="payment-panel__qr" src={qrImage} alt={t('payment.qrName')} data-testid="payment-qr" /> : <div className="payment-panel__qr" />}
          <p>{t('payment.scanToPay')}</p>
          {secondsLeft !== undefined && <p className="muted" data-testid="payment-countdown">{t('payment.expiresIn', { seconds: secondsLeft })}</p>}
        </>
      )}
      <p className="payment-panel__state" data-testid="payment-state">{t(`payment.state.${view.state}`, { defaultValue: view.state })}</p>
      {view.reason && view.isFinal && !paid && <p className="error" data-testid="payment-reason">{view.reason}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {/* Money received (also an offline code waiting for upload) ends the sale for the cashier. */}
      {!view.isFinal && !paid ? (
        <button type="button" className="wide" data-testid="payment-cancel" disabled={cancelling} onClick={() => void cancel()}>
          {t('counter.cancel')}
        </button>
      ) : (
        <button type="button" className="primary wide" data-testid="payment-done" onClick={() => onDone(view)}>
          {paid ? t('payment.done') : t('payment.back')}
        </button>
      )}
    </div>
  );
}
