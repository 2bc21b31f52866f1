import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, CommandOutput, TerminalApi } from '../../main/contract/contract.js';
import { formatMoney } from '../../main/domain/money.js';
import { LoginPanel, type OperatorSession } from '../components/login-panel.js';
import { ModifierPicker } from '../components/modifier-picker.js';
import { localized } from '../i18n/i18n.js';

interface DraftLine {
  readonly key: string;
  readonly productId: string;
  readonly quantity: number;
  readonly modifierOptionIds: readonly string[];
}

type SaleResult = CommandOutput<'sale.payCash'>;
type Quote = CommandOutput<'sale.quote'>;

const lineKey = (productId: string, optionIds: readonly string[]) => `${productId}|${[...optionIds].sort().join(',')}`;

/**
 * Restaurant counter: product grid with modifiers, the order priced by the core (`sale.quote`:
 * the UI never computes a price it charges), and the cash tender.
 */
export function CounterScreen({ api, catalog }: { api: TerminalApi; catalog: CatalogView }) {
  const { t, i18n } = useTranslation();
  const [session, setSession] = useState<OperatorSession | undefined>();
  const [categoryId, setCategoryId] = useState(catalog.categories[0]?.id);
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [picking, setPicking] = useState<string | undefined>();
  const [quote, setQuote] = useState<Quote | undefined>();
  const [tendering, setTendering] = useState(false);
  const [tenderedMinor, setTenderedMinor] = useState(0);
  const [result, setResult] = useState<SaleResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  const productsById = useMemo(() => new Map(catalog.products.map((product) => [product.id, product])), [catalog]);
  const optionsById = useMemo(() => new Map(catalog.modifierGroups.flatMap((group) => group.options.map((option) => [option.id, option]))), [catalog]);
  const requestLines = useMemo(() => lines.map(({ productId, quantity, modifierOptionIds }) => ({ productId, quantity, modifierOptionIds: [...modifierOptionIds] })), [lines]);

  useEffect(() => {
    setQuote(undefined);
    if (requestLines.length === 0) return;
    let current = true;
    void api['sale.quote']({ lines: requestLines }).then((answer) => {
      if (!current) return;
      if (answer.ok) setQuote(answer.value);
      else setError(answer.error.message);
    });
    return () => {
      current = false;
    };
  }, [api, requestLines]);

  if (!session) return <LoginPanel api={api} roles={['cashier', 'supervisor']} onLoggedIn={setSession} />;

  const addLine = (productId: string, modifierOptionIds: readonly string[]) => {
    setResult(undefined);
    setError(undefined);
    const key = lineKey(productId, modifierOptionIds);
    setLines((current) =>
      current.some((line) => line.key === key)
        ? current.map((line) => (line.key === key ? { ...line, quantity: line.quantity + 1 } : line))
        : [...current, { key, productId, quantity: 1, modifierOptionIds }],
    );
  };
  const changeQuantity = (key: string, delta: number) =>
    setLines((current) => current.map((line) => (line.key === key ? { ...line, quantity: line.quantity + delta } : line)).filter((line) => line.quantity > 0));

  const totalMinor = quote?.totalMinor;
  const pickingProduct = picking === undefined ? undefined : productsById.get(picking);

  const pay = async () => {
    setError(undefined);
    const answer = await api['sale.payCash']({ sessionId: session.sessionId, lines: requestLines, tenderedMinor });
    if (answer.ok) {
      setResult(answer.value);
      setLines([]);
      setTendering(false);
    } else {
      if (answer.error.code === 'unauthenticated') setSession(undefined);
      setError(answer.error.message);
    }
  };

  return (
    <div className="counter" data-testid="counter-screen">
      <section className="counter__menu">
        <nav className="tabs">
          {catalog.categories.map((category) => (
            <button type="button" key={category.id} className={category.id === categoryId ? 'tab tab--active' : 'tab'} onClick={() => setCategoryId(category.id)}>
              {localized(category.name, i18n.language)}
            </button>
          ))}
        </nav>
        <div className="grid">
          {catalog.products
            .filter((product) => product.categoryId === categoryId)
            .map((product) => (
              <button
                type="button"
                key={product.id}
                className="tile"
                data-testid={`product-${product.id}`}
                onClick={() => (product.modifierGroupIds.length > 0 ? setPicking(product.id) : addLine(product.id, []))}
              >
                <span className="tile__name">{localized(product.name, i18n.language)}</span>
                <span className="tile__price">{formatMoney(product.priceMinor)}</span>
              </button>
            ))}
        </div>
        {pickingProduct && (
          <ModifierPicker
            product={pickingProduct}
            catalog={catalog}
            onCancel={() => setPicking(undefined)}
            onAdd={(optionIds) => {
              addLine(pickingProduct.id, optionIds);
              setPicking(undefined);
            }}
          />
        )}
      </section>
      <aside className="counter__order">
        <header className="order__header">
          <h2>{t('counter.order')}</h2>
          <button type="button" onClick={() => { void api['auth.logout']({ sessionId: session.sessionId }); setSession(undefined); }}>
            {session.user.name} · {t('login.logout')}
          </button>
        </header>
        {lines.length === 0 && !result && <p className="muted">{t('counter.empty')}</p>}
        <ul className="order__lines" data-testid="order-lines">
          {lines.map((line, index) => {
            const product = productsById.get(line.productId);
            const modifiers = line.modifierOptionIds.map((id) => optionsById.get(id)).filter((option) => option !== undefined);
            const quoted = quote?.lines[index];
            return (
              <li key={line.key}>
                <span>
                  {product ? localized(product.name, i18n.language) : line.productId}
                  {modifiers.length > 0 && <small className="muted"> · {modifiers.map((option) => localized(option.name, i18n.language)).join(' / ')}</small>}
                </span>
                <span className="order__quantity">
                  <button type="button" aria-label="-" onClick={() => changeQuantity(line.key, -1)}>−</button>
                  {line.quantity}
                  <button type="button" aria-label="+" onClick={() => changeQuantity(line.key, 1)}>+</button>
                </span>
                <span>{quoted ? formatMoney(quoted.lineTotalMinor) : '…'}</span>
              </li>
            );
          })}
        </ul>
        <div className="order__total" data-testid="order-total">
          {t('counter.total')} <strong>{totalMinor === undefined ? (lines.length > 0 ? t('counter.pricing') : formatMoney(0)) : formatMoney(totalMinor)}</strong>
        </div>
        {result && (
          <div className="sale-result" data-testid="sale-result" role="status">
            <div>{t('counter.receipt')}: <span data-testid="receipt-number">{result.receiptNumber}</span></div>
            <div>{t('counter.change')}: <strong data-testid="change">{formatMoney(result.changeMinor)}</strong></div>
          </div>
        )}
        {error && <p className="error" role="alert">{t('errors.generic', { message: error })}</p>}
        {!tendering ? (
          <button type="button" className="primary wide" data-testid="pay-cash" disabled={totalMinor === undefined || lines.length === 0} onClick={() => { setTendering(true); setTenderedMinor(totalMinor ?? 0); }}>
            {t('counter.cash')} {formatMoney(totalMinor ?? 0)}
          </button>
        ) : (
          <div className="tender" data-testid="tender-panel">
            <div>{t('counter.tendered')}: <strong data-testid="tendered">{formatMoney(tenderedMinor)}</strong></div>
            <div className="tender__quick">
              {[totalMinor ?? 0, 5000, 10000].filter((amount, position, all) => amount >= (totalMinor ?? 0) && all.indexOf(amount) === position).map((amount) => (
                <button type="button" key={amount} data-testid={`tender-${amount}`} onClick={() => setTenderedMinor(amount)}>
                  {amount === totalMinor ? t('counter.exact') : formatMoney(amount)}
                </button>
              ))}
            </div>
            <button type="button" className="primary wide" data-testid="confirm-cash" onClick={() => void pay()}>{t('counter.pay')}</button>
            <button type="button" className="wide" onClick={() => setTendering(false)}>{t('counter.cancel')}</button>
          </div>
        )}
      </aside>
    </div>
  );
}
