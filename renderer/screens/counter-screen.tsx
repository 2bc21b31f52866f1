import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, CommandOutput, TerminalApi } from '../../main/contract/contract.js';
import { formatMoney } from '../../main/domain/money.js';
import { LoginPanel, type OperatorSession } from '../components/login-panel.js';
import { localized } from '../i18n/i18n.js';

interface DraftLine {
  readonly productId: string;
  quantity: number;
}

type SaleResult = CommandOutput<'sale.payCash'>;

/** Restaurant counter: product grid, the order, and cash tender. QR and code tenders come with payments. */
export function CounterScreen({ api, catalog }: { api: TerminalApi; catalog: CatalogView }) {
  const { t, i18n } = useTranslation();
  const [session, setSession] = useState<OperatorSession | undefined>();
  const [categoryId, setCategoryId] = useState(catalog.categories[0]?.id);
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [tendering, setTendering] = useState(false);
  const [tenderedMinor, setTenderedMinor] = useState(0);
  const [result, setResult] = useState<SaleResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  const productsById = useMemo(() => new Map(catalog.products.map((product) => [product.id, product])), [catalog]);
  const totalMinor = lines.reduce((sum, line) => sum + (productsById.get(line.productId)?.priceMinor ?? 0) * line.quantity, 0);

  if (!session) return <LoginPanel api={api} roles={['cashier', 'supervisor']} onLoggedIn={setSession} />;

  const addProduct = (productId: string) => {
    setResult(undefined);
    setLines((current) => {
      const existing = current.find((line) => line.productId === productId);
      if (existing) return current.map((line) => (line === existing ? { ...line, quantity: line.quantity + 1 } : line));
      return [...current, { productId, quantity: 1 }];
    });
  };

  const pay = async () => {
    setError(undefined);
    const answer = await api['sale.payCash']({ sessionId: session.sessionId, lines, tenderedMinor });
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
              <button type="button" key={product.id} className="tile" data-testid={`product-${product.id}`} onClick={() => addProduct(product.id)}>
                <span className="tile__name">{localized(product.name, i18n.language)}</span>
                <span className="tile__price">{formatMoney(product.priceMinor)}</span>
              </button>
            ))}
        </div>
      </section>
      <aside className="counter__order">
        <header className="order__header">
          <h2>{t('counter.order')}</h2>
          <button type="button" onClick={() => { void api['auth.logout']({ sessionId: session.sessionId }); setSession(undefined); }}>
            {session.user.name} · {t('login.logout')}
          </button>
        </header>
        {lines.length === 0 && !result && <p className="muted">{t('counter.empty')}</p>}
        <ul className="order__lines">
          {lines.map((line) => {
            const product = productsById.get(line.productId);
            return (
              <li key={line.productId}>
                <span>{product ? localized(product.name, i18n.language) : line.productId} × {line.quantity}</span>
                <span>{formatMoney((product?.priceMinor ?? 0) * line.quantity)}</span>
                <button type="button" aria-label={t('counter.remove')} onClick={() => setLines((current) => current.filter((candidate) => candidate !== line))}>×</button>
              </li>
            );
          })}
        </ul>
        <div className="order__total" data-testid="order-total">
          {t('counter.total')} <strong>{formatMoney(totalMinor)}</strong>
        </div>
        {result && (
          <div className="sale-result" data-testid="sale-result" role="status">
            <div>{t('counter.receipt')}: <span data-testid="receipt-number">{result.receiptNumber}</span></div>
            <div>{t('counter.change')}: <strong data-testid="change">{formatMoney(result.changeMinor)}</strong></div>
          </div>
        )}
        {error && <p className="error" role="alert">{t('errors.generic', { message: error })}</p>}
        {!tendering ? (
          <button type="button" className="primary wide" data-testid="pay-cash" disabled={lines.length === 0} onClick={() => { setTendering(true); setTenderedMinor(totalMinor); }}>
            {t('counter.cash')} {formatMoney(totalMinor)}
          </button>
        ) : (
          <div className="tender" data-testid="tender-panel">
            <div>{t('counter.tendered')}: <strong>{formatMoney(tenderedMinor)}</strong></div>
            <div className="tender__quick">
              {[totalMinor, 5000, 10000].filter((amount, index, all) => amount >= totalMinor && all.indexOf(amount) === index).map((amount) => (
                <button type="button" key={amount} onClick={() => setTenderedMinor(amount)}>
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
