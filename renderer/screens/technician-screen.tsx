import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommandResult, ContractError, DiscoveredDeviceView, TechnicianSlotView, TechnicianSyncHealth, TerminalApi, TerminalStatus } from '../../main/contract/contract.js';
import { LoginPanel, type OperatorSession } from '../components/login-panel.js';
import { describeError } from '../i18n/describe-error.js';
import { localized } from '../i18n/i18n.js';

/** A device state reason starts with its code (`paper-out: …`); the screen words the code. */
const reasonCode = (reason: string | null | undefined): string => reason?.split(':')[0]?.trim() || 'unknown';

const bindableRoles = ['receiptPrinter', 'scanner', 'vendingBoard'] as const;
const suggestedConfigRole: Record<string, (typeof bindableRoles)[number]> = { 'receipt-printer': 'receiptPrinter', scanner: 'scanner', 'vending-board': 'vendingBoard', relay: 'vendingBoard', 'serial-adapter': 'vendingBoard' };

/** A note under a control: what happened, in the screen's language. */
type Notice = { readonly tone: 'ok' | 'error'; readonly text: string };

interface ConsoleContext {
  readonly api: TerminalApi;
  readonly sessionId: string;
  /** Words an error, and drops the session when the core no longer knows it. */
  readonly explain: (error: ContractError) => string;
}

function useConsoleContext(api: TerminalApi, session: OperatorSession, onSessionEnded: () => void): ConsoleContext {
  const { t, i18n } = useTranslation();
  const explain = useCallback(
    (error: ContractError) => {
      if (error.code === 'unauthenticated') onSessionEnded();
      return describeError(t, i18n.language, error);
    },
    [t, i18n.language, onSessionEnded],
  );
  return { api, sessionId: session.sessionId, explain };
}

/** Technician: PIN-protected console: sync health and dead letters, devices, vending slots, log export. */
export function TechnicianScreen({ api, status }: { api: TerminalApi; status: TerminalStatus }) {
  const [session, setSession] = useState<OperatorSession | undefined>();
  const ended = useCallback(() => setSession(undefined), []);
  if (!session) return <LoginPanel api={api} roles={['technician']} onLoggedIn={setSession} />;
  return <TechnicianConsole api={api} status={status} session={session} onSessionEnded={ended} />;
}

function TechnicianConsole({ api, status, session, onSessionEnded }: { api: TerminalApi; status: TerminalStatus; session: OperatorSession; onSessionEnded: () => void }) {
  const { t } = useTranslation();
  const context = useConsoleContext(api, session, onSessionEnded);
  return (
    <div className="technician" data-testid="technician-screen">
      <header className="technician__header">
        <h2>{t('technician.title')}</h2>
        <span className="technician__who">{t('technician.loggedInAs', { name: session.user.name })}</span>
        <button type="button" onClick={() => { void api['auth.logout']({ sessionId: session.sessionId }); onSessionEnded(); }}>{t('login.logout')}</button>
      </header>
      <dl className="facts">
        <dt>{t('technician.terminal')}</dt><dd>{status.terminalId} · {status.terminalName}</dd>
        <dt>{t('technician.version')}</dt><dd>{status.version}</dd>
        <dt>{t('technician.backend')}</dt><dd>{status.backend.url ?? t('status.sandbox')}</dd>
        <dt>{t('technician.dataDir')}</dt><dd><code>{status.dataDir}</code></dd>
      </dl>
      <div className="technician__grid">
        <SyncSection context={context} status={status} />
        <DevicesSection context={context} status={status} />
      </div>
      <DiscoverySection context={context} />
      {status.mode === 'kiosk' && <VendingSection context={context} />}
      <ExportSection context={context} />
    </div>
  );
}

function NoticeLine({ notice, testId }: { notice: Notice | undefined; testId: string }) {
  if (!notice) return null;
  return <p className={`notice notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid={testId}>{notice.text}</p>;
}

function useRelativeTime(): (atMs: number | null) => string {
  const { t, i18n } = useTranslation();
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNowMs(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);
  return (atMs) => {
    if (atMs === null) return t('technician.never');
    // Past times only: a time read after the last tick must not show as "in 3 seconds".
    const seconds = Math.min(0, Math.round((atMs - Math.max(nowMs, Date.now())) / 1000));
    const format = new Intl.RelativeTimeFormat(i18n.language, { numeric: 'auto' });
    if (Math.abs(seconds) < 60) return format.format(seconds, 'second');
    if (Math.abs(seconds) < 3600) return format.format(Math.round(seconds / 60), 'minute');
    if (Math.abs(seconds) < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
    return format.format(Math.round(seconds / 86_400), 'day');
  };
}

function SyncSection({ context, status }: { context: ConsoleContext; status: TerminalStatus }) {
  const { t } = useTranslation();
  const { api, sessionId, explain } = context;
  const ago = useRelativeTime();
  const [health, setHealth] = useState<TechnicianSyncHealth | undefined>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | undefined>();
  const [discarding, setDiscarding] = useState<string | undefined>();
  const [discardReason, setDiscardReason] = useState('');

  const take = (result: CommandResult<TechnicianSyncHealth>, done?: string) => {
    if (result.ok) {
      setHealth(result.value);
      // A background reload (no DONE) keeps the last action's note on screen.
      if (done) setNotice({ tone: 'ok', text: done });
    } else setNotice({ tone: 'error', text: explain(result.error) });
  };
  // Follows the status events (queue depth changes) with the full health.
  useEffect(() => {
    void api['technician.syncHealth']({ sessionId }).then((result) => take(result));
    // Deliberately not on every render: reload when the queue moves.
  }, [api, sessionId, status.queue.depth, status.queue.deadLetters, status.lastSyncAtMs]);

  const run = async (work: () => Promise<CommandResult<TechnicianSyncHealth>>, done: string) => {
    setBusy(true);
    take(await work(), done);
    setBusy(false);
  };
  const kindName = (kind: string) => t(`outboxKind.${kind}`, { defaultValue: kind });

  return (
    <section className="panel" aria-labelledby="sync-title" data-testid="sync-health">
      <h3 id="sync-title">{t('technician.sync')}</h3>
      <dl className="facts">
        <dt>{t('technician.connectivity')}</dt><dd>{t(`status.${health?.connectivity ?? status.connectivity}`)}</dd>
        <dt>{t('technician.queueDepth')}</dt><dd data-testid="sync-queue-depth">{health?.queueDepth ?? status.queue.depth}</dd>
        <dt>{t('technician.oldest')}</dt><dd>{health && health.oldestUnsyncedAtMs !== null ? ago(health.oldestUnsyncedAtMs) : t('technician.none')}</dd>
        <dt>{t('technician.lastSuccess')}</dt><dd data-testid="sync-last-success">{ago(health?.lastSuccessAtMs ?? status.lastSyncAtMs)}</dd>
      </dl>
      <button type="button" className="primary" disabled={busy} onClick={() => void run(() => api['technician.syncNow']({ sessionId }), t('technician.synced'))}>
        {t('status.syncNow')}
      </button>
      <NoticeLine notice={notice} testId="sync-notice" />
      <h4>{t('technician.deadLetters')} ({health?.deadLetters.length ?? status.queue.deadLetters})</h4>
      {health && health.deadLetters.length === 0 && <p className="muted">{t('technician.noDeadLetters')}</p>}
      {health && health.deadLetters.length > 0 && (
        <ul className="dead-letters" data-testid="dead-letters">
          {health.deadLetters.map((letter) => (
            <li key={letter.entryId} data-testid={`dead-letter-${letter.entryId}`}>
              <div>
                <strong>{kindName(letter.kind)}</strong> · {ago(letter.rejectedAtMs)}
                <div className="dead-letters__reason">{t('technician.rejectedBecause')} <code>{letter.reason}</code></div>
              </div>
              {discarding === letter.entryId ? (
                <form
                  className="dead-letters__discard"
                  onSubmit={(event) => {
                    event.preventDefault();
                    void run(() => api['technician.discardDeadLetter']({ sessionId, entryId: letter.entryId, reason: discardReason }), t('technician.discarded')).then(() => setDiscarding(undefined));
                  }}
                >
                  <label>
                    {t('technician.discardReason')}
                    <input value={discardReason} onChange={(event) => setDiscardReason(event.target.value)} autoFocus />
                  </label>
                  <button type="submit" className="danger" disabled={busy || discardReason.trim().length < 3}>{t('technician.confirmDiscard')}</button>
                  <button type="button" onClick={() => setDiscarding(undefined)}>{t('counter.cancel')}</button>
                </form>
              ) : (
                <div className="dead-letters__actions">
                  <button type="button" disabled={busy} onClick={() => void run(() => api['technician.retryDeadLetter']({ sessionId, entryId: letter.entryId }), t('technician.retried'))}>{t('technician.retry')}</button>
                  <button type="button" className="danger" disabled={busy} onClick={() => { setDiscardReason(''); setDiscarding(letter.entryId); }}>{t('technician.discard')}</button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function useRoleName(): (role: string) => string {
  const { t } = useTranslation();
  return (role) => (role.startsWith('kitchenPrinter:') ? t('deviceRole.kitchenPrinter', { station: role.slice('kitchenPrinter:'.length) }) : t(`deviceRole.${role}`, { defaultValue: role }));
}

function DevicesSection({ context, status }: { context: ConsoleContext; status: TerminalStatus }) {
  const { t } = useTranslation();
  const roleName = useRoleName();
  const { api, sessionId, explain } = context;
  const [results, setResults] = useState<Record<string, Notice>>({});
  const [printing, setPrinting] = useState<string | undefined>();
  const isPrinter = (role: string) => role === 'receiptPrinter' || role.startsWith('kitchenPrinter:');

  const testPrint = async (role: string) => {
    setPrinting(role);
    const result = await api['technician.testPrint']({ sessionId, role });
    setPrinting(undefined);
    const notice: Notice = !result.ok
      ? { tone: 'error', text: explain(result.error) }
      : result.value.state === 'printed'
        ? { tone: 'ok', text: t('technician.testPrinted') }
        : { tone: 'error', text: t('technician.testQueued', { reason: t(`deviceReason.${reasonCode(result.value.reason)}`, { defaultValue: t('deviceReason.unknown') }) }) };
    setResults((current) => ({ ...current, [role]: notice }));
  };

  return (
    <section className="panel" aria-labelledby="devices-title">
      <h3 id="devices-title">{t('technician.devices')}</h3>
      <table className="devices" data-testid="device-table">
        <thead><tr><th>{t('technician.role')}</th><th>{t('technician.uri')}</th><th>{t('technician.state')}</th><th /></tr></thead>
        <tbody>
          {status.devices.map((device) => (
            <tr key={device.role} data-testid={`device-${device.role}`}>
              <td>{roleName(device.role)}</td>
              <td><code>{device.uri}</code></td>
              <td>
                <span className={`device-state device-state--${device.state}`}>{t(`deviceState.${device.state}`)}</span>
                {device.state === 'offline' && <div className="device-reason">{t(`deviceReason.${reasonCode(device.reason)}`, { defaultValue: t('deviceReason.unknown') })}</div>}
              </td>
              <td>
                {isPrinter(device.role) && (
                  <button type="button" disabled={printing !== undefined} onClick={() => void testPrint(device.role)}>{t('technician.testPrint')}</button>
                )}
                {results[device.role] && <NoticeLine notice={results[device.role]} testId={`test-print-result-${device.role}`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DiscoverySection({ context }: { context: ConsoleContext }) {
  const { t } = useTranslation();
  const roleName = useRoleName();
  const { api, sessionId, explain } = context;
  const [found, setFound] = useState<{ devices: DiscoveredDeviceView[]; warnings: string[] } | undefined>();
  const [searching, setSearching] = useState(false);
  const [chosenRoles, setChosenRoles] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<Notice | undefined>();
  const hex = (value: number | null) => (value === null ? '—' : value.toString(16).padStart(4, '0'));

  const discover = async () => {
    setSearching(true);
    const result = await api['technician.discoverDevices']({ sessionId });
    setSearching(false);
    if (result.ok) setFound(result.value);
    else setNotice({ tone: 'error', text: explain(result.error) });
  };
  useEffect(() => {
    void discover();
    // Deliberately not on every render: once, when the console opens.
  }, []);

  const bind = async (device: DiscoveredDeviceView, role: string) => {
    const result = await api['technician.bindDevice']({ sessionId, role, uri: device.uri });
    setNotice(result.ok ? { tone: 'ok', text: t('technician.bound', { role: roleName(role), file: result.value.configFile }) } : { tone: 'error', text: explain(result.error) });
  };

  return (
    <section className="panel" aria-labelledby="discovery-title">
      <h3 id="discovery-title">{t('technician.discovered')}</h3>
      <button type="button" disabled={searching} onClick={() => void discover()}>{searching ? t('technician.searching') : t('technician.findDevices')}</button>
      <NoticeLine notice={notice} testId="bind-notice" />
      {found && (
        <table className="devices" data-testid="discovered-table">
          <thead>
            <tr><th>{t('technician.kind')}</th><th>{t('technician.uri')}</th><th>VID:PID</th><th>{t('technician.serialNumber')}</th><th>{t('technician.suggestedRole')}</th><th>{t('technician.boundAs')}</th><th /></tr>
          </thead>
          <tbody>
            {found.devices.map((device) => {
              const role = chosenRoles[device.uri] ?? suggestedConfigRole[device.suggestedRole ?? ''] ?? 'receiptPrinter';
              return (
                <tr key={device.uri} data-testid={`discovered-${device.uri}`} className={device.kind === 'simulated' ? 'simulated' : undefined}>
                  <td>{device.kind === 'simulated' ? <span className="badge">{t('deviceKind.simulated')}</span> : t(`deviceKind.${device.kind}`)}</td>
                  <td><code>{device.uri}</code></td>
                  <td>{device.vendorId === null ? '—' : `${hex(device.vendorId)}:${hex(device.productId)}`}</td>
                  <td>{device.serialNumber ?? '—'}</td>
                  <td>{device.suggestedRole ? t(`suggestedRole.${device.suggestedRole}`, { defaultValue: device.suggestedRole }) : '—'}</td>
                  <td>{device.boundAs ? roleName(device.boundAs) : t('technician.notBound')}</td>
                  <td className="bind">
                    <select aria-label={t('technician.bindAs')} value={role} onChange={(event) => setChosenRoles((current) => ({ ...current, [device.uri]: event.target.value }))}>
                      {bindableRoles.map((option) => <option key={option} value={option}>{roleName(option)}</option>)}
                    </select>
                    <button type="button" onClick={() => void bind(device, role)}>{t('technician.bind')}</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {found && found.warnings.length > 0 && <p className="muted">{t('technician.discoveryWarnings', { count: found.warnings.length })}</p>}
    </section>
  );
}

function VendingSection({ context }: { context: ConsoleContext }) {
  const { t, i18n } = useTranslation();
  const { api, sessionId, explain } = context;
  const [slots, setSlots] = useState<TechnicianSlotView[] | undefined>();
  const [counts, setCounts] = useState<Record<number, string>>({});
  const [notice, setNotice] = useState<Notice | undefined>();
  const [busy, setBusy] = useState(false);

  const take = (result: CommandResult<{ slots: TechnicianSlotView[] }>, done?: string) => {
    if (result.ok) {
      setSlots(result.value.slots);
      if (done) setNotice({ tone: 'ok', text: done });
    } else setNotice({ tone: 'error', text: explain(result.error) });
  };
  useEffect(() => {
    void api['technician.slots']({ sessionId }).then((result) => take(result));
    // Deliberately not on every render: once, when the console opens.
  }, [api, sessionId]);

  const run = async (work: () => Promise<CommandResult<{ slots: TechnicianSlotView[] }>>, done: string) => {
    setBusy(true);
    take(await work(), done);
    setBusy(false);
  };
  const refill = (slot: TechnicianSlotView) => {
    const count = Number(counts[slot.slot] ?? slot.capacity);
    if (!Number.isInteger(count) || count < 0) return setNotice({ tone: 'error', text: t('technician.badCount') });
    void run(() => api['technician.refillSlots']({ sessionId, refills: [{ slot: slot.slot, quantity: count }] }), t('technician.refilled', { slot: slot.slot, count }));
  };
  /** The board's reason (`3 failed vends in a row, last: jam`, `needs inspection: no-drop (…)`) in the screen's language. */
  const whyNotSelling = (slot: TechnicianSlotView): string => {
    if (slot.notSellingBecause === 'empty') return t('technician.slotEmpty');
    if (slot.notSellingBecause === 'planogram') return t('technician.slotNotInPlanogram');
    const code = /(?:last|inspection): ([a-z-]+)/.exec(slot.outOfSaleReason ?? '')?.[1] ?? 'unknown';
    const reason = t(`slotReason.${code}`, { defaultValue: t('slotReason.unknown') });
    return slot.outOfSaleReason?.startsWith('needs inspection') ? t('technician.slotInspect', { reason }) : t('technician.slotFailures', { count: slot.consecutiveFailures, reason });
  };

  return (
    <section className="panel" aria-labelledby="vending-title">
      <h3 id="vending-title">{t('technician.vending')}</h3>
      <button type="button" disabled={busy || !slots} onClick={() => slots && void run(() => api['technician.refillSlots']({ sessionId, refills: slots.map((slot) => ({ slot: slot.slot, quantity: 'full' as const })) }), t('technician.filledAll'))}>
        {t('technician.fillAll')}
      </button>
      <NoticeLine notice={notice} testId="vending-notice" />
      {slots && (
        <table className="slots" data-testid="slot-table">
          <thead><tr><th>{t('technician.slot')}</th><th>{t('technician.product')}</th><th>{t('technician.stock')}</th><th>{t('technician.state')}</th><th>{t('technician.refillTo')}</th><th /></tr></thead>
          <tbody>
            {slots.map((slot) => (
              <tr key={slot.slot} data-testid={`technician-slot-${slot.slot}`}>
                <td>{slot.slot}</td>
                <td>{localized(slot.productName, i18n.language)}</td>
                <td data-testid={`technician-slot-${slot.slot}-stock`}>{slot.stock} / {slot.capacity}</td>
                <td>{slot.sellable ? <span className="device-state device-state--online">{t('technician.onSale')}</span> : <span className="device-state device-state--offline">{t('technician.offSaleBecause', { reason: whyNotSelling(slot) })}</span>}</td>
                <td>
                  <input
                    type="number"
                    min={0}
                    max={slot.capacity}
                    aria-label={t('technician.refillCount', { slot: slot.slot })}
                    value={counts[slot.slot] ?? String(slot.capacity)}
                    onChange={(event) => setCounts((current) => ({ ...current, [slot.slot]: event.target.value }))}
                  />
                </td>
                <td className="slot-actions">
                  <button type="button" disabled={busy} onClick={() => refill(slot)}>{t('technician.refill')}</button>
                  {slot.notSellingBecause === 'board' && (
                    <button type="button" disabled={busy} onClick={() => void run(() => api['technician.returnSlotToSale']({ sessionId, slot: slot.slot }), t('technician.returnedToSale', { slot: slot.slot }))}>{t('technician.returnToSale')}</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ExportSection({ context }: { context: ConsoleContext }) {
  const { t } = useTranslation();
  const { api, sessionId, explain } = context;
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | undefined>();
  const exportLogs = async () => {
    setBusy(true);
    const result = await api['technician.exportLogs']({ sessionId });
    setBusy(false);
    if (!result.ok) return setNotice({ tone: 'error', text: explain(result.error) });
    const bytes = Uint8Array.from(atob(result.value.contentBase64), (character) => character.charCodeAt(0));
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/gzip' }));
    link.download = result.value.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    setNotice({ tone: 'ok', text: t('technician.exported', { file: result.value.fileName }) });
  };
  return (
    <section className="panel" aria-labelledby="export-title">
      <h3 id="export-title">{t('technician.diagnostics')}</h3>
      <p className="muted">{t('technician.exportHint')}</p>
      <button type="button" disabled={busy} onClick={() => void exportLogs()}>{t('technician.exportLogs')}</button>
      <NoticeLine notice={notice} testId="export-notice" />
    </section>
  );
}
