import { StatusLine, attempt, h } from '../dom.js';

/** An inline "new password" box for one account's row. */
export function passwordChange(account: string, status: StatusLine, save: (password: string) => Promise<void>): HTMLFormElement {
  const password = h('input', { type: 'password', placeholder: 'new password', ariaLabel: `New password for ${account}` });
  const form = h('form', { className: 'inline' }, password, h('button', { type: 'submit' }, 'Change password'));
  form.onsubmit = (event) => {
    event.preventDefault();
    attempt(status, async () => {
      await save(password.value);
      password.value = '';
      status.ok(`Password of ${account} changed`);
    });
  };
  return form;
}
