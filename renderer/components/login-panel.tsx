import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommandOutput, TerminalApi } from '../../main/contract/contract.js';
import { describeError } from '../i18n/describe-error.js';

export type OperatorSession = CommandOutput<'auth.login'>;
type UserSummary = CommandOutput<'users.list'>[number];

/** User tiles plus a PIN pad; shows the core's own error text (wrong PIN, lockout). */
export function LoginPanel({ api, roles, onLoggedIn }: { api: TerminalApi; roles: readonly UserSummary['role'][]; onLoggedIn: (session: OperatorSession) => void }) {
  const { t, i18n } = useTranslation();
  const [users, setUsers] = useState<UserSummary[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    void api['users.list']({}).then((result) => {
      if (result.ok) setUsers(result.value.filter((user) => roles.includes(user.role)));
      else setError(describeError(t, i18n.language, result.error));
    });
  }, [api, roles, t, i18n.language]);

  const submit = async () => {
    if (!selected) return;
    const result = await api['auth.login']({ userId: selected, pin });
    setPin('');
    if (result.ok) onLoggedIn(result.value);
    else setError(describeError(t, i18n.language, result.error));
  };

  return (
    <section className="login" data-testid="login-panel">
      <h2>{t('login.title')}</h2>
      <div className="login__users">
        {users.map((user) => (
          <button type="button" key={user.id} data-testid={`user-${user.id}`} className={user.id === selected ? 'tile tile--selected' : 'tile'} onClick={() => { setSelected(user.id); setError(undefined); }}>
            {user.name}
          </button>
        ))}
      </div>
      <div className="login__pin" data-testid="pin-display">{'•'.repeat(pin.length) || t('login.pin')}</div>
      <div className="pin-pad">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => (
          <button type="button" key={digit} data-testid={`pin-${digit}`} onClick={() => setPin((current) => (current.length < 8 ? current + digit : current))}>
            {digit}
          </button>
        ))}
        <button type="button" onClick={() => setPin('')}>{t('login.clear')}</button>
        <button type="button" data-testid="pin-0" onClick={() => setPin((current) => (current.length < 8 ? `${current}0` : current))}>0</button>
        <button type="button" data-testid="login-submit" className="primary" disabled={!selected || pin.length < 4} onClick={() => void submit()}>
          {t('login.submit')}
        </button>
      </div>
      {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
    </section>
  );
}
