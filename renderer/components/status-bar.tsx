import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalApi, TerminalStatus } from '../../main/contract/contract.js';

/** A device state reason starts with its code (`paper-out: …`); the screen words the code. */
const deviceReasonCode = (reason: string | null | undefined): string => reason?.split(':')[0]?.trim() || 'unknown';

/**
 * The top bar (terminal, mode, connectivity, sync queue, language) and, below it, the banners a
 * cashier must not miss: devices that cannot work, with the reason in the screen's language, and
 * the offline banner with the queue depth and **Sync now**. Customers of a kiosk see none of this
 * (`customerFacing`): only the language switch.
 */
export function StatusBar({ api, status, eventsConnected, customerFacing = false, onToggleLanguage }: { api: TerminalApi; status: TerminalStatus; eventsConnected: boolean; customerFacing?: boolean; onToggleLanguage: () => void }) {
  const { t } = useTranslation();
  const [syncing, setSyncing] = useState(false);
  const faults = status.devices.filter((device) => device.state === 'offline');
  const deviceName = (role: string) => (role.startsWith('kitchenPrinter:') ? t('deviceRole.kitchenPrinter', { station: role.slice('kitchenPrinter:'.length) }) : t(`deviceRole.${role}`, { defaultValue: role }));
  const syncNow = async () => {
    setSyncing(true);
    await api['sync.now']({});
    setSyncing(false);
  };
  return (
    <>
      <header className="status-bar" data-testid="status-bar">
        {!customerFacing && <span className="status-bar__name">{status.terminalName}</span>}
        {!customerFacing && <span className="status-bar__mode" data-testid="mode">{t(`mode.${status.mode}`)}</span>}
        {!customerFacing && (
          <>
            <span className={`connectivity connectivity--${status.connectivity}`} data-testid="connectivity">
              {t(`status.${status.connectivity}`)}
              {status.backend.kind === 'sandbox' ? ` · ${t('status.sandbox')}` : ''}
            </span>
            <span className="status-bar__queue" data-testid="queue-depth" data-depth={status.queue.depth}>
              {t('status.queue', { count: status.queue.depth })}
            </span>
          </>
        )}
        {!eventsConnected && <span className="status-bar__warning">{t('app.disconnected')}</span>}
        <button type="button" className="status-bar__language" data-testid="language-toggle" onClick={onToggleLanguage}>
          {t('status.language')}
        </button>
      </header>
      {!customerFacing && faults.length > 0 && (
        <div className="banner banner--fault" role="alert" data-testid="device-faults">
          {faults.map((device) => (
            <span key={device.role} data-role={device.role}>
              {t('status.deviceFault', { device: deviceName(device.role), reason: t(`deviceReason.${deviceReasonCode(device.reason)}`, { defaultValue: t('deviceReason.unknown') }) })}
            </span>
          ))}
        </div>
      )}
      {!customerFacing && status.connectivity !== 'online' && (
        <div className="banner banner--offline" role="status" data-testid="offline-banner">
          <span>{t('status.offlineBanner', { count: status.queue.depth })}</span>
          <button type="button" disabled={syncing} onClick={() => void syncNow()}>
            {t('status.syncNow')}
          </button>
        </div>
      )}
    </>
  );
}
