import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, PaymentView, TerminalApi, VendView } from '../../main/contract/contract.js';
import { formatMoney } from '../../kernel/money.js';
import type { EventHub } from '../api/event-hub.js';
import { usePaymentPresentation } from '../api/use-payment-presentation.js';
import { useVend } from '../api/use-vend.js';
import { describeError } from '../i18n/describe-error.js';
import { localized, type UiLocale } from '../i18n/i18n.js';

/** Without a touch for this long the slot grid returns to the attract screen. */
export const kioskIdleTimeoutMs = 60_000;
/** How long the outcome (take your item / refunded) stays before the attract screen. */
export const kioskOutcomeMs = 8_000;

type CatalogSlot = CatalogView['slots'][number];
type CatalogProduct = CatalogView['products'][number];

interface RunningPurchase {
  readonly slot: CatalogSlot;
  readonly payment: PaymentView;
  readonly vendIntentId: string | undefined;
}

/**
 * Unattended kiosk, made for a portrait touch panel (1080×1920) and landscape screens alike:
 * attract screen showing the products → product grid → `kiosk.purchase` → a large QR naming the
 * product and its price → once paid "Dispensing…" → "Please take your item", or "Not dispensed"
 * with the refunded amount and where it goes (the core refunds by itself) → back to the attract
 * screen, in the terminal's default language for the next customer. While the core resolves vends
 * left open (start-up, or a board that did not answer) no selection is taken.
 */
export function KioskScreen({ api, hub, catalog: initialCatalog, defaultLocale }: { api: TerminalApi; hub: EventHub; catalog: CatalogView; defaultLocale: UiLocale }) {
  const { t, i18n } = useTranslation();
  const [catalog, setCatalog] = useState(initialCatalog);
  const [awake, setAwake] = useState(false);
  const [lastTouchMs, setLastTouchMs] = useState(0);
  const [purchase, setPurchase] = useState<RunningPurchase | undefined>();
  const [starting, setStarting] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  const { kiosk, vend } = useVend(api, hub, purchase?.payment.paymentIntentId);
  const productsById = new Map(catalog.products.map((product) => [product.id, product]));

  /** Back to the attract screen; the next customer starts in the terminal's own language. */
  const reset = () => {
    setPurchase(undefined);
    setError(undefined);
    setAwake(false);
    if (i18n.language !== defaultLocale) void i18n.changeLanguage(defaultLocale);
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

  const choose = async (slot: CatalogSlot) => {
    setStarting(slot.slot);
    setError(undefined);
    const answer = await api['kiosk.purchase']({ slot: slot.slot });
    setStarting(undefined);
    if (!answer.ok) {
      setError(describeError(t, i18n.language, answer.error));
      void api['catalog.get']({}).then((reload) => reload.ok && setCatalog(reload.value));
      return;
    }
    setPurchase({ slot, payment: answer.value.payment, vendIntentId: answer.value.vendIntentId });
  };

  const productName = (slot: CatalogSlot) => {
    const product = productsById.get(slot.productId);
    return product ? localized(product.name, i18n.language) : slot.productId;
  };

  const resolving = kiosk !== undefined && kiosk.state !== 'ready';
  if (!awake) {
    const showcase = catalog.slots.filter((slot, index, all) => slot.sellable && all.findIndex((other) => other.sellable && other.productId === slot.productId) === index).slice(0, 6);
    return (
      <button type="button" className="kiosk-attract" data-testid="kiosk-attract" data-kiosk-state={kiosk?.state ?? 'unknown'} onClick={() => setAwake(true)}>
        <span className="kiosk-attract__showcase" aria-hidden="true">
          {showcase.map((slot) => (
            <span key={slot.slot} className="kiosk-attract__item">
              <ProductPicture product={productsById.get(slot.productId)} name={productName(slot)} />
              <span className="kiosk-attract__name">{productName(slot)}</span>
              <span className="kiosk-attract__price">{formatMoney(slot.priceMinor)}</span>
            </span>
          ))}
        </span>
        <span className="kiosk-attract__call">{t('kiosk.attract')}</span>
      </button>
    );
  }

  if (purchase) {
    return (
      <div className="kiosk kiosk--purchase" data-testid="kiosk-screen">
        {vend && vend.state !== 'selected' && vend.state !== 'cancelled' ? (
          <VendProgress vend={vend} productName={productName(purchase.slot)} onDone={reset} />
        ) : (
          <KioskPayment api={api} hub={hub} initial={purchase.payment} product={productsById.get(purchase.slot.productId)} productName={productName(purchase.slot)} onDone={reset} />
        )}
      </div>
    );
  }

  return (
    <div className="kiosk" data-testid="kiosk-screen" onPointerDown={() => setLastTouchMs(performance.now())}>
      <h2 className="kiosk__title">{t('kiosk.chooseSlot')}</h2>
      {resolving && (
        <p className="kiosk__notice" role="status" data-testid="kiosk-resolving">
          {kiosk.state === 'resolving' ? t('vend.resolving') : t('vend.unavailable')}
        </p>
      )}
      {error && (
        <p className="kiosk__notice kiosk__notice--error" role="alert" data-testid="kiosk-error">
          {t('vend.error', { message: error })}
        </p>
      )}
      <div className="kiosk__grid">
        {catalog.slots.map((slot) => {
          const disabled = !slot.sellable || resolving || starting !== undefined;
          const name = productName(slot);
          const unavailableText = slot.stock <= 0 ? t('kiosk.soldOut') : t('kiosk.outOfService');
          return (
            <button
              type="button"
              key={slot.slot}
              className={slot.sellable ? 'kiosk-tile' : 'kiosk-tile kiosk-tile--unavailable'}
              disabled={disabled}
              data-testid={`slot-${slot.slot}`}
              aria-label={slot.sellable ? t('kiosk.tileName', { name, price: formatMoney(slot.priceMinor) }) : `${name} · ${unavailableText}`}
              onClick={() => void choose(slot)}
            >
              <ProductPicture product={productsById.get(slot.productId)} name={name} />
              <span className="kiosk-tile__name">{name}</span>
              <span className="kiosk-tile__price">{slot.sellable ? formatMoney(slot.priceMinor) : unavailableText}</span>
              <span className="kiosk-tile__slot">{t('kiosk.slot', { slot: slot.slot })}</span>
            </button>
          );
        })}
      </div>
      <button type="button" className="kiosk__back" onClick={reset}>
        {t('kiosk.back')}
      </button>
    </div>
  );
}

/**
 * The product's picture. Catalogs carry no pictures yet: a drawn placeholder (the name's first
 * character on a colour derived from the product id) stands in, the same for every screen.
 */
function ProductPicture({ product, name }: { product: CatalogProduct | undefined; name: string }) {
  const seed = [...(product?.id ?? name)].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 360, 7);
  return (
    <span className="product-picture" aria-hidden="true" style={{ background: `hsl(${seed} 55% 88%)`, color: `hsl(${seed} 60% 30%)` }}>
      {[...name][0] ?? '?'}
    </span>
  );
}

/** The kiosk's payment step: the product, its price and a QR large enough to scan from a step back. */
function KioskPayment({ api, hub, initial, product, productName, onDone }: { api: TerminalApi; hub: EventHub; initial: PaymentView; product: CatalogProduct | undefined; productName: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { view, qrImage, secondsLeft, paid, cancelling, error, cancel } = usePaymentPresentation(api, hub, initial, 720);

  return (
    <div className={`kiosk-payment kiosk-payment--${paid ? 'paid' : view.isFinal ? 'ended' : 'running'}`} data-testid="payment-panel" data-state={view.state}>
      <div className="kiosk-payment__product">
        <ProductPicture product={product} name={productName} />
        <div>
          <div className="kiosk-payment__name" data-testid="kiosk-product-name">{productName}</div>
          <div className="kiosk-payment__price">{formatMoney(view.amountMinor)}</div>
        </div>
      </div>
      {!view.isFinal && !paid && (
        <>
          {qrImage ? <img className="kiosk-payment__qr" src={qrImage} alt={t('payment.qrName')} data-testid="payment-qr" /> : <div className="kiosk-payment__qr" />}
          <p className="kiosk-payment__hint">{t('payment.scanToPay')}</p>
          {secondsLeft !== undefined && <p className="muted" data-testid="payment-countdown">{t('payment.expiresIn', { seconds: secondsLeft })}</p>}
        </>
      )}
      <p className="kiosk-payment__state" data-testid="payment-state">{t(`payment.state.${view.state}`, { defaultValue: view.state })}</p>
      {error && <p className="error" role="alert">{error}</p>}
      {!view.isFinal && !paid ? (
        <button type="button" className="kiosk__back" data-testid="payment-cancel" disabled={cancelling} onClick={() => void cancel()}>
          {t('kiosk.cancelPurchase')}
        </button>
      ) : (
        !paid && (
          <button type="button" className="kiosk__back" data-testid="payment-done" onClick={onDone}>
            {t('kiosk.back')}
          </button>
        )
      )}
    </div>
  );
}

/** After payment: dispensing, the outcome, and for a failed vend the amount refunded and where it goes. */
function VendProgress({ vend, productName, onDone }: { vend: VendView; productName: string; onDone: () => void }) {
  const { t } = useTranslation();
  const refundAmount = vend.refund ? formatMoney(vend.refund.amountMinor) : '';
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
  const detail =
    vend.state === 'not-dispensed' && vend.refund
      ? vend.refund.state === 'refunded'
        ? t('vend.refundedDetail', { amount: refundAmount })
        : vend.refund.state === 'refund-failed'
          ? t('vend.refundFailedDetail', { amount: refundAmount })
          : t('vend.refundPendingDetail', { amount: refundAmount })
      : vend.state === 'dispensed' || vend.state === 'vend-pending'
        ? productName
        : undefined;
  const finished = vend.state === 'dispensed' || vend.state === 'not-dispensed';
  return (
    <div className={`vend-progress vend-progress--${vend.state}`} role="status" data-testid="vend-progress" data-state={vend.state}>
      <p className="vend-progress__message" data-testid="vend-message">
        {message}
      </p>
      {detail && (
        <p className="vend-progress__detail" data-testid="vend-detail">
          {detail}
        </p>
      )}
      {finished && (
        <button type="button" className="kiosk__back" data-testid="vend-done" onClick={onDone}>
          {t('vend.done')}
        </button>
      )}
    </div>
  );
}
