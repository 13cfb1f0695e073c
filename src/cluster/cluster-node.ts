import type { NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { BadRequestError } from '../errors.js';
import type { WriteLog } from '../ingest/write-log.js';
import type { Logger } from '../log.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { ClusterPositions } from '../metrics/metrics.js';
import type { ChangeLog } from '../storage/change-log.js';
import type { SeriesDeleteRequest } from '../storage/shard-worker.js';
import type { Storage } from '../storage/storage.js';
import type { ClusterState } from './cluster-state.js';
import type { LogCommand } from './log-commands.js';
import { PartitionLog } from './partition-log.js';
import { Ownership } from './ownership.js';
import { PartitionOwner } from './partition-owner.js';
import { BARRIER_CALL } from './shard-call-wire.js';
import { RemoteShardCalls } from './shard-calls.js';
import { ShardService } from './shard-service.js';

/** How long a read or a change waits for this node to store what it must see before it answers 503. */
const BARRIER_TIMEOUT_MS = 10_000;

/**
 * A node in cluster mode: its front end logs writes, deletes and drops to the partition
 * streams; its owner role stores the partitions it owns (all of them without a node list,
 * ownership.ts) and answers other nodes' queries of them; a query here of a partition it does
 * not store goes to a node that does. What this node acknowledged, it reads back: a read waits
 * until the node answering for each partition has stored what this one acknowledged there.
 */
export class ClusterNode implements WriteLog, ChangeLog, ClusterPositions {
  /** Per partition, the highest stream sequence this node's front end has had acknowledged. */
  private readonly acknowledged: number[];

  private constructor(
    private readonly log: PartitionLog,
    private readonly state: ClusterState,
    private readonly owner: PartitionOwner,
    private readonly service: ShardService,
    private readonly remote: RemoteShardCalls,
    private readonly ownership: Ownership,
    private readonly meta: MetaStore,
  ) {
    this.acknowledged = Array.from({ length: log.partitions }, () => 0);
  }

  static async start(nc: NatsConnection, state: ClusterState, settings: Settings, storage: Storage, meta: MetaStore, logger: Logger): Promise<ClusterNode> {
    const log = await PartitionLog.open(nc, settings, storage.shards.length);
    const ownership = new Ownership(log.partitions, settings.clusterNodeId, settings.clusterNodes?.split(','), settings.clusterCopies);
    const owner = new PartitionOwner(nc.jetstream(), log, state, storage, await state.droppedGenerations(), ownership, settings.walFsync === 'always', logger);
    const service = new ShardService(nc, settings.clusterName, ownership, storage, owner, logger);
    const remote = new RemoteShardCalls(nc, settings.clusterName, ownership);
    // The reply subscription is known to the servers before any call goes out.
    await nc.flush();
    const node = new ClusterNode(log, state, owner, service, remote, ownership, meta);
    owner.start();
    service.start();
    storage.shards.forEach((shard, p) => {
      if (!ownership.owns(p)) shard.useRemote((name, task) => remote.call(p, { name, task, after: node.acknowledged[p]! }));
    });
    storage.useChangeLog(node);
    logger.info({ node: settings.clusterNodeId, partitions: log.partitions, stored: storage.shards.flatMap((_, p) => (ownership.owns(p) ? [p] : [])) }, 'cluster mode');
    return node;
  }

  reserveOrdinals(count: number): Promise<number> {
    return this.state.reserveOrdinals(count);
  }

  async append(db: string, batches: readonly (ArrayBuffer | null)[], base: number, messageIds: readonly (string | null)[]): Promise<void> {
    const created = this.meta.databaseCreated(db);
    if (created === undefined) throw new BadRequestError(`Database ${db} doesn't exist`);
    this.noteAcknowledged(await this.log.append({ name: db, created }, batches, base, messageIds));
  }

  readBarrier(): Promise<void> {
    return this.owner.waitApplied(this.acknowledged, BARRIER_TIMEOUT_MS);
  }

  deleteSeries(request: SeriesDeleteRequest): Promise<void> {
    return this.change({ kind: 'delete', request });
  }

  /** Called once the database has left the metadata. */
  async dropDatabase(db: string, created: number): Promise<void> {
    await this.state.recordDropped(db, created);
    await this.change({ kind: 'drop-database', db, created });
  }

  /** Logs the change and answers once it is applied, here and by the nodes storing the partitions this one does not. */
  private async change(command: LogCommand): Promise<void> {
    const seqs = await this.log.appendCommand(command);
    this.noteAcknowledged(seqs);
    await Promise.all([
      this.owner.waitApplied(seqs, BARRIER_TIMEOUT_MS),
      ...seqs.flatMap((after, p) => (this.ownership.owns(p) ? [] : [this.remote.call(p, { name: BARRIER_CALL, task: {}, after })])),
    ]);
  }

  private noteAcknowledged(seqs: readonly number[]): void {
    seqs.forEach((seq, p) => {
      if (seq > this.acknowledged[p]!) this.acknowledged[p] = seq;
    });
  }

  get storedSequences(): readonly (number | null)[] {
    return this.owner.appliedSequences.map((applied, p) => (this.ownership.owns(p) ? applied : null));
  }

  get acknowledgedSequences(): readonly number[] {
    return this.acknowledged;
  }

  get lostPartitions(): readonly boolean[] {
    return this.owner.appliedSequences.map((_, p) => this.owner.isLost(p));
  }

  stop(): Promise<void> {
    this.service.stop();
    this.remote.close();
    return this.owner.stop();
  }
}
