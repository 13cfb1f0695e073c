import './style.css';
import { Api } from './api.js';
import { h } from './dom.js';
import { savedSession, saveSession, type Session } from './session.js';
import { clusterAdminsView } from './views/cluster-admins.js';
import { clusterView } from './views/cluster.js';
import { databaseView } from './views/database.js';
import { databasesView } from './views/databases.js';
import { explorerView } from './views/explorer.js';
import { loginView } from './views/login.js';

const app = document.getElementById('app')!;

/** Hash routes: #/databases, #/db/<name>, #/explore/<name>, #/cluster-admins, #/cluster. */
function render(): void {
  const session = savedSession();
  if (session === undefined) {
    app.replaceChildren(
      loginView((started) => {
        saveSession(started);
        location.hash = started.clusterAdmin ? '#/databases' : `#/explore/${encodeURIComponent(started.connection.database)}`;
        render();
      }),
    );
    return;
  }
  app.replaceChildren(header(session), h('div', { className: 'view' }, view(session)));
}

function view(session: Session): HTMLElement {
  const api = new Api(session.connection);
  const [, route = '', rawName = ''] = location.hash.split('/');
  // A database user sees its own database only.
  const db = session.clusterAdmin ? decodeURIComponent(rawName) : session.connection.database;
  if (route === 'db' && session.databaseAdmin) return databaseView(api, db, session.clusterAdmin);
  if (route === 'cluster-admins' && session.clusterAdmin) return clusterAdminsView(api);
  if (route === 'cluster' && session.clusterAdmin) return clusterView(api);
  if (route === 'explore' || !session.clusterAdmin) return explorerView(api, db);
  return databasesView(api);
}

function header(session: Session): HTMLElement {
  const { host, port, database, username } = session.connection;
  const ownDb = encodeURIComponent(database);
  const disconnect = h('button', { type: 'button' }, 'Disconnect');
  disconnect.onclick = () => {
    saveSession(undefined);
    location.hash = '';
    render();
  };
  const links = session.clusterAdmin
    ? [h('a', { href: '#/databases' }, 'Databases'), h('a', { href: '#/cluster-admins' }, 'Cluster admins'), h('a', { href: '#/cluster' }, 'Cluster')]
    : [session.databaseAdmin && h('a', { href: `#/db/${ownDb}` }, 'Users and queries'), h('a', { href: `#/explore/${ownDb}` }, 'Data explorer')];
  return h(
    'header',
    {},
    h('strong', {}, `${host}:${port}${database === '' ? '' : `/${database}`}`),
    h('span', { className: 'user' }, username),
    session.clusterAdmin && h('span', { className: 'badge' }, 'Cluster Admin'),
    h('nav', {}, ...links),
    disconnect,
  );
}

window.addEventListener('hashchange', render);
render();
