import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, CommandOutput, ContractError, PaymentView, TerminalApi } from '../../main/contract/contract.js';
import { formatMoney } from '../../kernel/money.js';
import { useKeyboardWedge } from '../input/use-keyboard-wedge.js';
import { operatorSessionStore } from '../api/operator-session-store.js';
import { describeError } from '../i18n/describe-error.js';
import type { EventHub } from '../api/event-hub.js';
import { isPaidLikeState } from '../../main/domain/payment-states.js';
import { PaymentPanel } from '../components/payment-panel.js';
import { LoginPanel, type OperatorSession } from '../components/login-panel.js';
import { ModifierPicker } from '../components/modifier-picker.js';
import { localized } from '../i18n/i18n.js';

interface DraftLine {
  readonly key: string;
  readonly productId: string;
  readonly quantity: number;
  readonly modifierOptionIds: readonly string[];
}

type SaleResult = Pick<CommandOutput<'sale.payCash'>, 'receiptNumber' | 'changeMinor'>;
type Quote = CommandOutput<'sale.quote'>;

const lineKey = (productId: string, optionIds: readonly string[]) => `${productId}|${[...optionIds].sort().join(',')}`;

/**
 * Restaurant counter: product grid with modifiers, the order priced by the core (`sale.quote`:
 * the UI never computes a price it charges), and the tenders: cash, the terminal's dynamic QR, or
 * the customer's payment code (typed by a keyboard-wedge scanner anywhere on the screen, or entered).
 */
export function CounterScreen({ api, hub, catalog }: { api: TerminalApi; hub: EventHub; catalog: CatalogView }) {
  const { t, i18n } = useTranslation();
  const [session, setSessionState] = useState<OperatorSession | undefined>(() => operatorSessionStore.load(Date.now()));
  const [categoryId, setCategoryId] = useState(catalog.categories[0]?.id);
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [picking, setPicking] = useState<string | undefined>();
  const [quote, setQuote] = useState<Quote | undefined>();
  const [tendering, setTendering] = useState(false);
  const [tenderedMinor, setTenderedMinor] = useState(0);
  const [result, setResult] = useState<SaleResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [payment, setPayment] = useState<{ view: PaymentView; receiptNumber: string } | undefined>();
  const [codeEntry, setCodeEntry] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const setSession = (next: OperatorSession | undefined) => {
    operatorSessionStore.save(next);
    setSessionState(next);
  };
  /** Back to a clean counter: a new operator never sees the previous one's order or change. */
  const logOut = () => {
    if (session) void api['auth.logout']({ sessionId: session.sessionId });
    setSession(undefined);
    setLines([]);
    setResult(undefined);
    setError(undefined);
    setTendering(false);
    setCodeEntry(undefined);
    setPicking(undefined);
  };
  const showError = (error: ContractError) => {
    if (error.code === 'unauthenticated') {
      setSession(undefined);
      return;
    }
    setError(describeError(t, i18n.language, error));
  };

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
      else showError(answer.error);
    });
    return () => {
      current = false;
    };
  }, [api, requestLines]);

  // From Charge until the payment ends the order is locked: what the customer pays is what was shown.
  const orderLocked = payment !== undefined || busy;
  const canTakeWallet = session !== undefined && lines.length > 0 && !orderLocked && quote !== undefined;

  const startWallet = async (method: 'qr' | 'code', code?: string) => {
    if (!session) return;
    setError(undefined);
    setBusy(true);
    const answer = await api['sale.startPayment']({ sessionId: session.sessionId, lines: requestLines, method, ...(code === undefined ? {} : { code }) });
    setBusy(false);
    setCodeEntry(undefined);
    if (answer.ok) setPayment({ view: answer.value.payment, receiptNumber: answer.value.receiptNumber });
    else if (answer.error.code === 'unavailable' && method === 'qr') setError(t('payment.needsNetwork'));
    else showError(answer.error);
  };

  // A keyboard-wedge scanner types the customer's code and Enter anywhere on the screen.
  useKeyboardWedge((code) => {
    if (!session || orderLocked) return;
    if (!canTakeWallet) {
      setError(t('counter.scanNeedsOrder'));
      return;
    }
    void startWallet('code', code);
  });

  if (!session) return <LoginPanel api={api} roles={['cashier', 'supervisor']} onLoggedIn={setSession} />;

  const addLine = (productId: string, modifierOptionIds: readonly string[]) => {
    if (orderLocked) return;
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
    !orderLocked &&
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
      showError(answer.error);
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
                disabled={orderLocked}
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
      <aside className={orderLocked ? 'counter__order counter__order--paying' : 'counter__order'}>
        <header className="order__header">
          <h2>{t('counter.order')}</h2>
          <button type="button" data-testid="logout" onClick={logOut}>
            {session.user.name} · {t('login.logout')}
          </button>
        </header>
        {lines.length === 0 && !result && <p className="muted">{t('counter.empty')}</p>}
        <ul className="order__lines" data-testid="order-lines">
          {lines.map((line, index) => {
            const product = productsById.get(line.productId);
            const modifiers = line.modifierOptionIds.map((id) => optionsById.get(id)).filter((option) => option !== undefined);
            const quoted = quote?.lines[index];
            const name = product ? localized(product.name, i18n.language) : line.productId;
            return (
              <li key={line.key}>
                <span>
                  {name}
                  {modifiers.length > 0 && <small className="muted"> · {modifiers.map((option) => localized(option.name, i18n.language)).join(' / ')}</small>}
                </span>
                <span className="order__quantity">
                  <button type="button" aria-label={t('counter.decrease', { name })} disabled={orderLocked} onClick={() => changeQuantity(line.key, -1)}>−</button>
                  {line.quantity}
                  <button type="button" aria-label={t('counter.increase', { name })} disabled={orderLocked} onClick={() => changeQuantity(line.key, 1)}>+</button>
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
        {error && <p className="error" role="alert" data-testid="counter-error">{error}</p>}
        {payment ? (
          <PaymentPanel
            api={api}
            hub={hub}
            initial={payment.view}
            onDone={(view) => {
              if (isPaidLikeState(view.state)) {
                setResult({ receiptNumber: payment.receiptNumber, changeMinor: 0 });
                setLines([]);
              }
              setPayment(undefined);
            }}
          />
        ) : !tendering ? (
          <>
            <button type="button" className="primary wide" data-testid="pay-cash" aria-label={t('counter.cash')} disabled={totalMinor === undefined || lines.length === 0} onClick={() => { setTendering(true); setTenderedMinor(totalMinor ?? 0); }}>
              {t('counter.cash')} {formatMoney(totalMinor ?? 0)}
            </button>
            <div className="tender-methods">
              <button type="button" data-testid="pay-qr" disabled={!canTakeWallet} onClick={() => void startWallet('qr')}>{t('payment.qr')}</button>
              <button type="button" data-testid="pay-code" disabled={!canTakeWallet} onClick={() => setCodeEntry('')}>{t('payment.code')}</button>
            </div>
            {codeEntry !== undefined && (
              <form className="code-entry" onSubmit={(event) => { event.preventDefault(); if (codeEntry.trim()) void startWallet('code', codeEntry.trim()); }}>
                <label>{t('payment.codePrompt')}</label>
                <input autoFocus data-testid="code-input" value={codeEntry} placeholder={t('payment.codePlaceholder')} onChange={(event) => setCodeEntry(event.target.value)} />
                <button type="submit" className="primary" data-testid="code-submit" disabled={busy || !codeEntry.trim()}>{t('payment.codeSubmit')}</button>
              </form>
            )}
          </>
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
