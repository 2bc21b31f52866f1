import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView } from '../../main/contract/contract.js';
import { formatMoney } from '../../main/domain/money.js';
import { localized } from '../i18n/i18n.js';

/** Without a touch for this long the kiosk returns to its attract screen. */
export const kioskIdleTimeoutMs = 60_000;

/** Unattended kiosk: attract screen, then the slot grid. Payment and dispensing arrive with the payment and hardware issues. */
export function KioskScreen({ catalog }: { catalog: CatalogView }) {
  const { t, i18n } = useTranslation();
  const [awake, setAwake] = useState(false);
  const [selectedSlot, setSelectedSlot] = useState<number | undefined>();
  const [lastTouchMs, setLastTouchMs] = useState(0);
  const productsById = new Map(catalog.products.map((product) => [product.id, product]));

  useEffect(() => {
    if (!awake) return;
    const timer = window.setTimeout(() => {
      setAwake(false);
      setSelectedSlot(undefined);
    }, kioskIdleTimeoutMs);
    return () => window.clearTimeout(timer);
  }, [awake, lastTouchMs, selectedSlot]);

  if (!awake) {
    return (
      <button type="button" className="attract" data-testid="kiosk-attract" onClick={() => setAwake(true)}>
        {t('kiosk.attract')}
      </button>
    );
  }
  const chosen = catalog.slots.find((slot) => slot.slot === selectedSlot);
  return (
    <div className="kiosk" data-testid="kiosk-screen" onPointerDown={() => setLastTouchMs(performance.now())}>
      <h2>{t('kiosk.chooseSlot')}</h2>
      <div className="grid">
        {catalog.slots.map((slot) => {
          const product = productsById.get(slot.productId);
          return (
            <button type="button" key={slot.slot} className={slot.sellable ? 'tile' : 'tile tile--disabled'} disabled={!slot.sellable} data-testid={`slot-${slot.slot}`} onClick={() => setSelectedSlot(slot.slot)}>
              <span className="tile__slot">{t('kiosk.slot', { slot: slot.slot })}</span>
              <span className="tile__name">{product ? localized(product.name, i18n.language) : slot.productId}</span>
              <span className="tile__price">{slot.sellable ? formatMoney(slot.priceMinor) : t('kiosk.soldOut')}</span>
            </button>
          );
        })}
      </div>
      {chosen && (
        <div className="kiosk__payment" role="status">
          <p>{formatMoney(chosen.priceMinor)} · {t('kiosk.paymentSoon')}</p>
          <button type="button" onClick={() => setSelectedSlot(undefined)}>{t('kiosk.back')}</button>
        </div>
      )}
    </div>
  );
}
