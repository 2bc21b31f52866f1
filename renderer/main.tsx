import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { connectTerminalClient } from './api/terminal-client.js';
import { App } from './app.js';
import { setUpI18n } from './i18n/i18n.js';
import './styles.css';

const i18n = setUpI18n('zh-CN');
const root = createRoot(document.getElementById('root') as HTMLElement);
void connectTerminalClient().then((client) =>
  root.render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        {client ? <App client={client} /> : <p className="error fullscreen" role="alert" data-testid="no-token">{i18n.t('app.noToken')}</p>}
      </I18nextProvider>
    </StrictMode>,
  ),
);
