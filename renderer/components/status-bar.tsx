import { useTranslation } from 'react-i18next';
import type { TerminalStatus } from '../../main/contract/contract.js';

export function StatusBar({ status, eventsConnected, onToggleLanguage }: { status: TerminalStatus; eventsConnected: boolean; onToggleLanguage: () => void }) {
  const { t } = useTranslation();
  return (
    <header className="status-bar" data-testid="status-bar">
      <span className="status-bar__name">{status.terminalName}</span>
      <span className="status-bar__mode" data-testid="mode">{t(`mode.${status.mode}`)}</span>
      <span className={`connectivity connectivity--${status.connectivity}`} data-testid="connectivity">
        {t(`status.${status.connectivity}`)}
        {status.backend.kind === 'sandbox' ? ` · ${t('status.sandbox')}` : ''}
      </span>
      <span className="status-bar__queue" data-testid="queue-depth" data-depth={status.queue.depth}>
        {t('status.queue', { count: status.queue.depth })}
      </span>
      {!eventsConnected && <span className="status-bar__warning">{t('app.disconnected')}</span>}
      <button type="button" className="status-bar__language" data-testid="language-toggle" onClick={onToggleLanguage}>
        {t('status.language')}
      </button>
    </header>
  );
}
