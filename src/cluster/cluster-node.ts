import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { listedClusterNodes, type Settings } from '../config.js';
import { BadRequestError } from '../errors.js';
import type { WriteLog } from '../ingest/write-log.js';
import type { LogPart } from '../storage/write-batch-messages.js';
import type { Logger } from '../log.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { ClusterPositions } from '../metrics/metrics.js';
import type { ChangeLog } from '../shards/change-log.js';
import type { SeriesDeleteRequest } from '../shards/shard-worker.js';
import type { Storage } from '../shards/storage.js';
import type { ClusterState } from './cluster-state.js';
import type { LogCommand } from './log-commands.js';
import { PartitionLog } from './partition-log.js';
import { CONSUMER_CALL_TIMEOUT_MS } from './hedged-consumer.js';
import { Ownership, type OwnershipChange } from './ownership.js';
import { CheckpointShipper } from './checkpoint-shipper.js';
import { CheckpointStore } from './checkpoint-store.js';
import { Controller } from './controller.js';
import { Membership } from './membership.js';
import { PartitionOwner, type ServingListener } from './partition-owner.js';
import { OwnerLag } from './owner-lag.js';
import { startStoredBeacon } from './stored-beacon.js';
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
export class ClusterNode implements WriteLog, ChangeLog, ClusterPositions, ServingListener {
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
    private readonly storage: Storage,
    private readonly logger: Logger,
    /** How far behind its acknowledged writes a partition's owners may be before writes there wait. */
    private readonly lag: OwnerLag,
  ) {
    this.acknowledged = Array.from({ length: log.partitions }, () => 0);
  }

  private controller: Controller | undefined;
  private stopBeacon: (() => void) | undefined;

  static async start(nc: NatsConnection, state: ClusterState, settings: Settings, storage: Storage, meta: MetaStore, logger: Logger): Promise<ClusterNode> {
    const log = await PartitionLog.open(nc, settings, storage.shards.length);
    const listed = listedClusterNodes(settings);
    const ownership = new Ownership(log.partitions, settings.clusterNodeId, listed, settings.clusterCopies);
    const recorded = await state.assignment();
    if (recorded !== undefined) ownership.apply(recorded);
    // With a node list, partitions move between nodes through checkpoints in the shared store.
    const shipper =
      listed === undefined
        ? undefined
        : new CheckpointShipper(await CheckpointStore.open(nc, settings), storage, settings.clusterNodeId, join(settings.dataDir, 'checkpoint-staging'), logger);
    const owner = new PartitionOwner(nc.jetstream(), await nc.jetstreamManager({ timeout: CONSUMER_CALL_TIMEOUT_MS, checkAPI: false }), log, state, storage, await state.droppedGenerations(), ownership, settings.walFsync === 'always', settings.clusterReportIntervalMs, logger, shipper);
    const service = new ShardService(nc, settings.clusterName, ownership, storage, owner, logger);
    const remote = new RemoteShardCalls(nc, settings.clusterName, ownership);
    const lag = new OwnerLag(nc, settings.clusterName, log.partitions, settings.clusterMaxOwnerLagMs);
    const node = new ClusterNode(log, state, owner, service, remote, ownership, meta, storage, logger, lag);
    // Until this node serves a partition, its queries go to a node that does.
    storage.shards.forEach((_, p) => node.notServing(p));
    // The reply subscription is known to the servers before any call goes out.
    await nc.flush();
    owner.start(node);
    node.stopBeacon = startStoredBeacon(nc, settings.clusterName, settings.clusterNodeId, () => node.storedSequences);
    if (listed !== undefined) {
      const membership = await Membership.open(nc, settings);
      node.controller = new Controller(membership, state, ownership, listed, () => owner.serving, (change) => node.move(change), logger);
      node.controller.start();
    }
    storage.useChangeLog(node);
    logger.info({ node: settings.clusterNodeId, partitions: log.partitions, stored: storage.shards.flatMap((_, p) => (ownership.owns(p) ? [p] : [])) }, 'cluster mode');
    return node;
  }

  /** The partition is caught up here: this node answers for it, to its own queries and to other nodes'. */
  serving(partition: number): void {
    this.storage.shards[partition]!.useRemote(undefined);
    this.service.serve(partition);
  }

  notServing(partition: number): void {
    this.service.stopServing(partition);
    this.storage.shards[partition]!.useRemote((name, task) => this.remote.call(partition, { name, task, after: this.acknowledged[partition]! }));
  }

  /** A new assignment: start storing the partitions gained, stop storing those lost. */
  private move(change: OwnershipChange): void {
    this.logger.info({ gained: change.gained, lost: change.lost, epoch: this.ownership.current?.epoch }, 'partitions moved');
    for (const p of change.lost) void this.owner.release(p);
    for (const p of change.gained) this.owner.gain(p);
  }

  reserveOrdinals(count: number): Promise<number> {
    return this.state.reserveOrdinals(count);
  }

  get messageBytes(): number {
    return this.log.messageBytes;
  }

  async append(db: string, parts: readonly LogPart[], base: number): Promise<void> {
    const created = this.meta.databaseCreated(db);
    if (created === undefined) throw new BadRequestError(`Database ${db} doesn't exist`);
    // Held before anything is logged, so a write refused here is refused whole; one deadline for both.
    const deadline = this.log.deadline();
    await this.lag.admit(parts.map((part) => part.partition), deadline - Date.now());
    const seqs = await this.log.append({ name: db, created }, parts, base, deadline);
    this.noteAcknowledged(seqs);
    this.lag.noteAcknowledged(seqs);
  }

  /**
   * Waits for what this node had acknowledged in `partitions` (all when undefined) when the read
   * began (waitApplied keeps those positions, not the moving ones): a read of one series does not
   * wait for the owner of another partition this node serves.
   */
  readBarrier(partitions?: readonly number[]): Promise<void> {
    const targets = partitions === undefined ? this.acknowledged : this.acknowledged.map((seq, p) => (partitions.includes(p) ? seq : 0));
    return this.owner.waitApplied(targets, BARRIER_TIMEOUT_MS);
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
      ...seqs.flatMap((after, p) => (this.owner.serves(p) ? [] : [this.remote.call(p, { name: BARRIER_CALL, task: {}, after })])),
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

  get ownerLagMs(): readonly number[] {
    return this.lag.lags;
  }

  get writesHeld(): number {
    return this.lag.held;
  }

  get lostPartitions(): readonly boolean[] {
    return this.owner.appliedSequences.map((_, p) => this.owner.isLost(p));
  }

  stop(): Promise<void> {
    this.controller?.stop();
    this.stopBeacon?.();
    this.lag.close();
    this.service.stop();
    this.remote.close();
    return this.owner.stop();
  }
}
