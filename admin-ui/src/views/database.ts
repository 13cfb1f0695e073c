import { segment, type Api, type ContinuousQuery, type DatabaseUser } from '../api.js';
import { StatusLine, attempt, deleteButton, field, h, liveRows } from '../dom.js';
import { passwordChange } from './password-change.js';

/** One database's users and continuous queries, for its admins and for cluster admins. */
export function databaseView(api: Api, db: string, canDelete: boolean): HTMLElement {
  const base = `/db/${segment(db)}`;
  const status = new StatusLine();
  const remove = deleteButton('Delete database', `Delete the database ${db} and all its data?`, status, async () => {
    await api.delete(base);
    location.hash = '#/databases';
    return `Database ${db} deleted`;
  });
  return h(
    'section',
    {},
    h('h2', {}, `Database ${db} `, h('a', { href: `#/explore/${segment(db)}` }, 'Explore data')),
    canDelete && remove,
    status.element,
    usersSection(api, base),
    continuousQueriesSection(api, base),
  );
}

function usersSection(api: Api, base: string): HTMLElement {
  const status = new StatusLine();
  const list = liveRows(
    status,
    () => api.get<DatabaseUser[]>(`${base}/users`),
    (user, refresh) => userRow(api, base, user, status, refresh),
  );
  const name = h('input', { required: true });
  const password = h('input', { type: 'password', required: true });
  const admin = h('input', { type: 'checkbox' });
  const create = h(
    'form',
    { className: 'inline' },
    field('Name', name),
    field('Password', password),
    field('Admin', admin),
    h('button', { type: 'submit' }, 'Create user'),
  );
  create.onsubmit = (event) => {
    event.preventDefault();
    attempt(status, async () => {
      await api.post(`${base}/users`, { name: name.value, password: password.value, isAdmin: admin.checked });
      status.ok(`User ${name.value} created`);
      create.reset();
      await list.refresh();
    });
  };
  return h(
    'section',
    {},
    h('h3', {}, 'Users'),
    create,
    status.element,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Admin'), h('th'), h('th'))), list.tbody),
  );
}

function userRow(api: Api, base: string, user: DatabaseUser, status: StatusLine, refresh: () => Promise<void>): HTMLElement {
  const path = `${base}/users/${segment(user.name)}`;
  const admin = h('input', { type: 'checkbox', checked: user.isAdmin, ariaLabel: `${user.name} is admin` });
  admin.onchange = () => {
    attempt(status, async () => {
      await api.post(path, { admin: admin.checked }).catch((error: unknown) => {
        admin.checked = !admin.checked;
        throw error;
      });
      status.ok(`${user.name} is ${admin.checked ? 'now' : 'no longer'} an admin`);
    });
  };
  const remove = deleteButton('Delete', `Delete the user ${user.name}?`, status, async () => {
    await api.delete(path);
    await refresh();
    return `User ${user.name} deleted`;
  });
  return h(
    'tr',
    {},
    h('td', {}, user.name),
    h('td', {}, admin),
    h('td', {}, passwordChange(user.name, status, (password) => api.post(path, { password }))),
    h('td', {}, remove),
  );
}

function continuousQueriesSection(api: Api, base: string): HTMLElement {
  const status = new StatusLine();
  const list = liveRows(
    status,
    () => api.get<ContinuousQuery[]>(`${base}/continuous_queries`),
    ({ id, query }, refresh) => {
      const remove = deleteButton('Delete', `Delete the continuous query ${id}?`, status, async () => {
        await api.delete(`${base}/continuous_queries/${id}`);
        await refresh();
        return `Continuous query ${id} deleted`;
      });
      return h('tr', {}, h('td', {}, id), h('td', {}, h('code', {}, query)), h('td', {}, remove));
    },
  );
  return h(
    'section',
    {},
    h('h3', {}, 'Continuous queries'),
    h('p', { className: 'hint' }, 'Create one from the data explorer: select … into <series>.'),
    status.element,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Id'), h('th', {}, 'Query'), h('th'))), list.tbody),
  );
}
