import type { Api } from '../api.js';
import { StatusLine, h, liveRows } from '../dom.js';

interface Server {
  readonly id: number;
  readonly protobufConnectString: string;
  readonly raftConnectionString: string;
  readonly stateName: string;
  readonly isLeader: boolean;
}

interface Shard {
  readonly id: number;
  readonly database: string;
  readonly spaceName: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly serverIds: number[];
}

interface ShardSpace {
  readonly database: string;
  readonly name: string;
  readonly regex: string;
  readonly retentionPolicy: string;
  readonly shardDuration: string;
  readonly replicationFactor: number;
  readonly split: number;
}

/** Servers, shards and shard spaces as 0.8's cluster page listed them (read only: a single node places its own data). */
export function clusterView(api: Api): HTMLElement {
  const status = new StatusLine();
  const cells = (...values: (string | number)[]): HTMLElement => h('tr', {}, ...values.map((value) => h('td', {}, String(value))));
  const head = (...names: string[]): HTMLElement => h('thead', {}, h('tr', {}, ...names.map((name) => h('th', {}, name))));
  const servers = liveRows(status, () => api.get<Server[]>('/cluster/servers'), (s) =>
    cells(s.id, s.protobufConnectString, s.raftConnectionString, `${s.stateName}${s.isLeader ? ' (leader)' : ''}`),
  );
  const shards = liveRows(status, () => api.get<Shard[]>('/cluster/shards'), (s) =>
    cells(s.id, s.database, s.spaceName, new Date(s.startTime / 1000).toISOString(), new Date(s.endTime / 1000).toISOString(), s.serverIds.join(', ')),
  );
  const spaces = liveRows(status, () => api.get<ShardSpace[]>('/cluster/shard_spaces'), (s) =>
    cells(s.database, s.name, s.regex, s.retentionPolicy, s.shardDuration, s.replicationFactor, s.split),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Cluster'),
    status.element,
    h('h3', {}, 'Servers'),
    h('table', { className: 'servers' }, head('Id', 'Protobuf', 'Raft', 'State'), servers.tbody),
    h('h3', {}, 'Shards'),
    h('table', { className: 'shards' }, head('Id', 'Database', 'Space', 'Start', 'End', 'Servers'), shards.tbody),
    h('h3', {}, 'Shard spaces'),
    h('table', { className: 'shard-spaces' }, head('Database', 'Name', 'Regex', 'Retention', 'Duration', 'Replication', 'Split'), spaces.tbody),
  );
}
