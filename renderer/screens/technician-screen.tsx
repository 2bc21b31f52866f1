import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalApi, TerminalStatus } from '../../main/contract/contract.js';
import { LoginPanel, type OperatorSession } from '../components/login-panel.js';

/** Technician: PIN-protected view of the terminal, its device bindings and the journal's sync state. */
export function TechnicianScreen({ api, status }: { api: TerminalApi; status: TerminalStatus }) {
  const { t, i18n } = useTranslation();
  const [session, setSession] = useState<OperatorSession | undefined>();
  if (!session) return <LoginPanel api={api} roles={['technician']} onLoggedIn={setSession} />;
  const oldest = status.queue.oldestCreatedAtMs === null ? t('technician.none') : new Date(status.queue.oldestCreatedAtMs).toLocaleString(i18n.language);
  return (
    <div className="technician" data-testid="technician-screen">
      <h2>{t('technician.title')}</h2>
      <dl className="facts">
        <dt>{t('technician.terminal')}</dt><dd>{status.terminalId} · {status.terminalName}</dd>
        <dt>{t('technician.version')}</dt><dd>{status.version}</dd>
        <dt>{t('technician.backend')}</dt><dd>{status.backend.url ?? t('status.sandbox')} · {t(`status.${status.connectivity}`)}</dd>
        <dt>{t('technician.dataDir')}</dt><dd>{status.dataDir}</dd>
      </dl>
      <h3>{t('technician.devices')}</h3>
      <table className="devices" data-testid="device-table">
        <thead><tr><th>{t('technician.role')}</th><th>{t('technician.uri')}</th><th>{t('technician.state')}</th></tr></thead>
        <tbody>
          {status.devices.map((device) => (
            <tr key={device.role}><td>{device.role}</td><td><code>{device.uri}</code></td><td>{t(`deviceState.${device.state}`)}</td></tr>
          ))}
        </tbody>
      </table>
      <h3>{t('technician.journal')}</h3>
      <dl className="facts">
        <dt>{t('technician.queueDepth')}</dt><dd>{status.queue.depth}</dd>
        <dt>{t('technician.oldest')}</dt><dd>{oldest}</dd>
        <dt>{t('technician.deadLetters')}</dt><dd>{status.queue.deadLetters}</dd>
        <dt>{t('technician.openIntents')}</dt><dd>{status.openIntents}</dd>
      </dl>
      <button type="button" onClick={() => { void api['auth.logout']({ sessionId: session.sessionId }); setSession(undefined); }}>{t('login.logout')}</button>
    </div>
  );
}
