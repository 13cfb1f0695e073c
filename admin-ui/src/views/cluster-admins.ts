import { segment, type Api } from '../api.js';
import { StatusLine, attempt, deleteButton, field, h, liveRows } from '../dom.js';
import { passwordChange } from './password-change.js';

/** Cluster admins: list, create, change a password, delete. */
export function clusterAdminsView(api: Api): HTMLElement {
  const status = new StatusLine();
  const list = liveRows(
    status,
    () => api.get<{ name: string }[]>('/cluster_admins'),
    ({ name }, refresh) => {
      const path = `/cluster_admins/${segment(name)}`;
      return h(
        'tr',
        {},
        h('td', {}, name),
        h('td', {}, passwordChange(name, status, (password) => api.post(path, { password }))),
        h(
          'td',
          {},
          deleteButton('Delete', `Delete the cluster admin ${name}?`, status, async () => {
            await api.delete(path);
            await refresh();
            return `Cluster admin ${name} deleted`;
          }),
        ),
      );
    },
  );
  const name = h('input', { required: true });
  const password = h('input', { type: 'password', required: true });
  const create = h('form', { className: 'inline' }, field('Name', name), field('Password', password), h('button', { type: 'submit' }, 'Create cluster admin'));
  create.onsubmit = (event) => {
    event.preventDefault();
    attempt(status, async () => {
      await api.post('/cluster_admins', { name: name.value, password: password.value });
      status.ok(`Cluster admin ${name.value} created`);
      create.reset();
      await list.refresh();
    });
  };
  return h('section', {}, h('h2', {}, 'Cluster admins'), create, status.element, h('table', {}, list.tbody));
}
