import type { KV, NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { bucketKeys } from './kv-keys.js';
import { untilStarted } from './retry.js';

/** A node whose heartbeat is older than this is dead: its key has left the bucket. */
export const HEARTBEAT_TTL_MS = 6_000;

interface Heartbeat {
  /** The partitions the node has caught up with and answers for. */
  readonly serving: readonly number[];
}

/** What the heartbeats say: who is alive, and what each serves. */
export interface Members {
  readonly live: ReadonlySet<string>;
  readonly serving: ReadonlyMap<string, ReadonlySet<number>>;
}

/**
 * The cluster's live nodes, as heartbeats in a KV bucket whose entries expire: each node puts
 * its key every second or so, and a node that stops (killed, cut off) drops out once its last
 * heartbeat ages past HEARTBEAT_TTL_MS. No node decides alone that another is dead: the
 * replicated bucket does.
 */
export class Membership {
  private constructor(
    private readonly kv: KV,
    private readonly self: string,
  ) {}

  static async open(nc: NatsConnection, settings: Pick<Settings, 'clusterName' | 'clusterReplicas' | 'clusterNodeId'>): Promise<Membership> {
    const js = nc.jetstream({ timeout: 3_000 });
    const bucket = `${settings.clusterName}-nodes`;
    const kv = await untilStarted(`cannot open the cluster's heartbeat bucket ${bucket}`, () =>
      js.views.kv(bucket, { replicas: settings.clusterReplicas, history: 1, ttl: HEARTBEAT_TTL_MS }),
    );
    return new Membership(kv, settings.clusterNodeId);
  }

  async beat(serving: Iterable<number>): Promise<void> {
    const heartbeat: Heartbeat = { serving: [...serving] };
    await this.kv.put(this.self, JSON.stringify(heartbeat));
  }

  async read(): Promise<Members> {
    const live = new Set<string>();
    const serving = new Map<string, Set<number>>();
    for (const key of await bucketKeys(this.kv)) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      live.add(key);
      serving.set(key, new Set((JSON.parse(entry.string()) as Heartbeat).serving));
    }
    return { live, serving };
  }
}
