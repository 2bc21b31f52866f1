import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogView, TerminalStatus } from '../main/contract/contract.js';
import { EventHub } from './api/event-hub.js';
import type { TerminalClient } from './api/terminal-client.js';
import { StatusBar } from './components/status-bar.js';
import { supportedLocales, type UiLocale } from './i18n/i18n.js';
import { CounterScreen } from './screens/counter-screen.js';
import { KioskScreen } from './screens/kiosk-screen.js';
import { TechnicianScreen } from './screens/technician-screen.js';

const localeStorageKey = 'terminal.locale';

/** `?lang=en` / `?lang=zh-CN` in the page address picks the language for this load. */
function localeFromAddress(): UiLocale | undefined {
  const asked = new URLSearchParams(window.location.search).get('lang');
  return supportedLocales.find((locale) => locale === asked);
}

/** Loads status and catalog, follows status events, and routes to the screen of the terminal's mode. */
export function App({ client }: { client: TerminalClient }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<TerminalStatus | undefined>();
  const [catalog, setCatalog] = useState<CatalogView | undefined>();
  const [eventsConnected, setEventsConnected] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const hub = useMemo(() => new EventHub(), []);
  // The language is chosen once per load; a later change of language must not re-run the start-up
  // effect (it would reconnect the event stream and put the start-up language back).
  const i18nRef = useRef(i18n);

  useEffect(() => {
    const i18n = i18nRef.current;
    void client.api['system.status']({}).then((result) => {
      if (!result.ok) return setError(result.error.message);
      setStatus(result.value);
      const stored = supportedLocales.find((locale) => locale === localStorage.getItem(localeStorageKey));
      const chosen = localeFromAddress() ?? stored ?? result.value.locale;
      void i18n.changeLanguage(chosen);
    });
    void client.api['catalog.get']({}).then((result) => (result.ok ? setCatalog(result.value) : setError(result.error.message)));
    return client.subscribe((event) => {
      if (event.name === 'status.changed') setStatus(event.payload);
      hub.publish(event);
    }, setEventsConnected);
  }, [client, hub]);

  useEffect(() => {
    document.documentElement.lang = i18n.language;
    document.title = t('app.title');
  }, [i18n.language, t]);

  if (error) return <p className="error fullscreen" role="alert">{t('errors.generic', { message: error })}</p>;
  if (!status || !catalog) return <p className="fullscreen">{t('app.loading')}</p>;

  // `?screen=technician` opens the PIN-protected technician console on a counter or kiosk terminal.
  const technicianConsole = status.mode === 'technician' || new URLSearchParams(window.location.search).get('screen') === 'technician';
  const toggleLanguage = () => {
    const next: UiLocale = i18n.language === 'en' ? 'zh-CN' : 'en';
    // A kiosk customer's choice lasts for that customer only: the kiosk screen returns to the default.
    if (status.mode !== 'kiosk' || technicianConsole) localStorage.setItem(localeStorageKey, next);
    void i18n.changeLanguage(next);
  };

  return (
    <div className={`app app--${technicianConsole ? 'technician' : status.mode}`} data-testid="app" data-mode={status.mode}>
      <StatusBar api={client.api} status={status} eventsConnected={eventsConnected} customerFacing={status.mode === 'kiosk' && !technicianConsole} onToggleLanguage={toggleLanguage} />
      <main className="app__body">
        {technicianConsole && <TechnicianScreen api={client.api} status={status} />}
        {!technicianConsole && status.mode === 'counter' && <CounterScreen api={client.api} hub={hub} catalog={catalog} />}
        {!technicianConsole && status.mode === 'kiosk' && <KioskScreen api={client.api} hub={hub} catalog={catalog} defaultLocale={status.locale} />}
      </main>
    </div>
  );
}
