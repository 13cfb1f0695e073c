import { segment, type Api } from '../api.js';
import { StatusLine, attempt, deleteButton, field, h, liveRows } from '../dom.js';

/** Cluster admins' list of databases: create, delete, and links to each one's views. */
export function databasesView(api: Api): HTMLElement {
  const status = new StatusLine();
  const list = liveRows(
    status,
    () => api.get<{ name: string }[]>('/db'),
    ({ name }, refresh) =>
      h(
        'tr',
        {},
        h('td', {}, h('a', { href: `#/db/${segment(name)}` }, name)),
        h('td', {}, h('a', { href: `#/explore/${segment(name)}` }, 'Explore data')),
        h(
          'td',
          {},
          deleteButton('Delete', `Delete the database ${name} and all its data?`, status, async () => {
            await api.delete(`/db/${segment(name)}`);
            await refresh();
            return `Database ${name} deleted`;
          }),
        ),
      ),
  );
  const name = h('input', { required: true });
  const create = h('form', { className: 'inline' }, field('New database', name), h('button', { type: 'submit' }, 'Create database'));
  create.onsubmit = (event) => {
    event.preventDefault();
    attempt(status, async () => {
      await api.post('/db', { name: name.value });
      status.ok(`Database ${name.value} created`);
      name.value = '';
      await list.refresh();
    });
  };
  return h('section', {}, h('h2', {}, 'Databases'), create, status.element, h('table', {}, list.tbody));
}
