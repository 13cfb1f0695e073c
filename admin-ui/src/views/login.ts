import type { Connection } from '../api.js';
import { StatusLine, attempt, field, h } from '../dom.js';
import { logIn, type Session } from '../session.js';

/**
 * The login form, pre-filled from the URL's `host`, `port`, `database`, `username` and
 * `password` parameters (0.8's), else root/root on this page's host and port 8086.
 */
export function loginView(onLogin: (session: Session) => void): HTMLElement {
  const params = new URLSearchParams(location.search);
  const host = h('input', { value: params.get('host') ?? location.hostname, required: true });
  const port = h('input', { type: 'number', value: params.get('port') ?? '8086', min: '1', max: '65535', required: true });
  const ssl = h('input', { type: 'checkbox', checked: params.get('ssl') === 'true' });
  const username = h('input', { value: params.get('username') ?? 'root', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', value: params.get('password') ?? 'root', autocomplete: 'current-password' });
  const database = h('input', { value: params.get('database') ?? '', placeholder: 'optional' });
  const status = new StatusLine();
  const form = h(
    'form',
    { className: 'login' },
    h('h1', {}, 'Sluice'),
    field('Host', host),
    field('Port', port),
    field('SSL', ssl),
    field('Username', username),
    field('Password', password),
    field('Database', database),
    h('button', { type: 'submit' }, 'Connect'),
    status.element,
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    const connection: Connection = {
      host: host.value,
      port: Number(port.value),
      ssl: ssl.checked,
      username: username.value,
      password: password.value,
      database: database.value,
    };
    attempt(status, async () => onLogin(await logIn(connection)));
  };
  return form;
}
