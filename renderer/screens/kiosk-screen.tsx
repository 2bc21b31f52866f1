import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, PaymentView, TerminalApi, VendView } from '../../main/contract/contract.js';
import { formatMoney } from '../../kernel/money.js';
import type { EventHub } from '../api/event-hub.js';
import { useVend } from '../api/use-vend.js';
import { PaymentPanel } from '../components/payment-panel.js';
import { localized } from '../i18n/i18n.js';

/** Without a touch for this long the slot grid returns to the attract screen. */
export const kioskIdleTimeoutMs = 60_000;
/** How long the outcome (take your item / refunded) stays before the attract screen. */
export const kioskOutcomeMs = 8_000;

interface RunningPurchase {
  readonly slot: number;
  readonly payment: PaymentView;
  readonly vendIntentId: string | undefined;
}

/**
 * Unattended kiosk: attract screen → slot grid → `kiosk.purchase` → QR with countdown (the
 * payment panel) → once paid "Dispensing…" → "Please take your item", or "Not dispensed — refund
 * issued" (the core refunds by itself) → back to the attract screen. While the core resolves vends
 * left open (start-up, or a board that did not answer) no selection is taken.
 */
export function KioskScreen({ api, hub, catalog: initialCatalog }: { api: TerminalApi; hub: EventHub; catalog: CatalogView }) {
  const { t, i18n } = useTranslation();
  const [catalog, setCatalog] = useState(initialCatalog);
  const [awake, setAwake] = useState(false);
  const [lastTouchMs, setLastTouchMs] = useState(0);
  const [purchase, setPurchase] = useState<RunningPurchase | undefined>();
  const [starting, setStarting] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  const { kiosk, vend } = useVend(api, hub, purchase?.payment.paymentIntentId);
  const productsById = new Map(catalog.products.map((product) => [product.id, product]));

  const reset = () => {
    setPurchase(undefined);
    setError(undefined);
    setAwake(false);
  };

  // Stock and slots out of sale change with every vend: reload the slot grid.
  useEffect(
    () =>
      hub.subscribe((event) => {
        if (event.name !== 'vend.changed' || (event.payload.vend && !event.payload.vend.isFinal)) return;
        void api['catalog.get']({}).then((answer) => answer.ok && setCatalog(answer.value));
      }),
    [api, hub],
  );

  useEffect(() => {
    if (!awake || purchase) return;
    const timer = window.setTimeout(reset, kioskIdleTimeoutMs);
    return () => window.clearTimeout(timer);
  }, [awake, lastTouchMs, purchase]);

  // Unattended: an outcome (dispensed, refunded, payment ended unpaid) goes back to the attract
  // screen by itself, whether or not the customer taps "done".
  const ended = purchase !== undefined && (vend !== undefined ? vend.isFinal : purchase.vendIntentId === undefined);
  useEffect(() => {
    if (!ended) return;
    const timer = window.setTimeout(reset, kioskOutcomeMs);
    return () => window.clearTimeout(timer);
  }, [ended]);

  const choose = async (slot: number) => {
    setStarting(slot);
    setError(undefined);
    const answer = await api['kiosk.purchase']({ slot });
    setStarting(undefined);
    if (!answer.ok) {
      setError(answer.error.message);
      void api['catalog.get']({}).then((reload) => reload.ok && setCatalog(reload.value));
      return;
    }
    setPurchase({ slot, payment: answer.value.payment, vendIntentId: answer.value.vendIntentId });
  };

  const resolving = kiosk !== undefined && kiosk.state !== 'ready';
  if (!awake) {
    return (
      <button type="button" className="attract" data-testid="kiosk-attract" data-kiosk-state={kiosk?.state ?? 'unknown'} onClick={() => setAwake(true)}>
        {t('kiosk.attract')}
      </button>
    );
  }

  if (purchase) {
    return (
      <div className="kiosk" data-testid="kiosk-screen">
        {vend && vend.state !== 'selected' && vend.state !== 'cancelled' ? (
          <VendProgress vend={vend} onDone={reset} />
        ) : (
          <PaymentPanel api={api} hub={hub} initial={purchase.payment} onDone={reset} />
        )}
      </div>
    );
  }

  return (
    <div className="kiosk" data-testid="kiosk-screen" onPointerDown={() => setLastTouchMs(performance.now())}>
      <h2>{t('kiosk.chooseSlot')}</h2>
      {resolving && (
        <p className="kiosk__notice" role="status" data-testid="kiosk-resolving">
          {kiosk.state === 'resolving' ? t('vend.resolving') : t('vend.unavailable')}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="kiosk-error">
          {t('vend.error', { message: error })}
        </p>
      )}
      <div className="grid">
        {catalog.slots.map((slot) => {
          const product = productsById.get(slot.productId);
          const disabled = !slot.sellable || resolving || starting !== undefined;
          return (
            <button type="button" key={slot.slot} className={slot.sellable ? 'tile' : 'tile tile--disabled'} disabled={disabled} data-testid={`slot-${slot.slot}`} onClick={() => void choose(slot.slot)}>
              <span className="tile__slot">{t('kiosk.slot', { slot: slot.slot })}</span>
              <span className="tile__name">{product ? localized(product.name, i18n.language) : slot.productId}</span>
              <span className="tile__price">{slot.sellable ? formatMoney(slot.priceMinor) : t('kiosk.soldOut')}</span>
            </button>
          );
        })}
      </div>
      <button type="button" className="wide" onClick={reset}>
        {t('kiosk.back')}
      </button>
    </div>
  );
}

/** After payment: dispensing, the outcome, and for a failed vend the state of its automatic refund. */
function VendProgress({ vend, onDone }: { vend: VendView; onDone: () => void }) {
  const { t } = useTranslation();
  const message =
    vend.state === 'dispensed'
      ? t('vend.takeItem')
      : vend.state === 'not-dispensed'
        ? vend.refund?.state === 'refund-failed'
          ? t('vend.refundFailed')
          : vend.refund === null
            ? t('vend.failed')
            : vend.refund.state === 'refunded'
              ? t('vend.refunded')
              : t('vend.refundPending')
        : vend.state === 'unknown'
          ? t('vend.checking')
          : t('vend.dispensing');
  const finished = vend.state === 'dispensed' || vend.state === 'not-dispensed';
  return (
    <div className={`vend-progress vend-progress--${vend.state}`} role="status" data-testid="vend-progress" data-state={vend.state}>
      <p className="vend-progress__message" data-testid="vend-message">
        {message}
      </p>
      {finished && (
        <button type="button" className="primary wide" data-testid="vend-done" onClick={onDone}>
          {t('vend.done')}
        </button>
      )}
    </div>
  );
}
