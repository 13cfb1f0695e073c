/**
 * The server's Prometheus metrics (`GET /metrics`), kept by prom-client in a registry of the
 * server's own. Counters move once per request or batch, never per point; queue depths and
 * the shards' WAL and flush timings are read when a scrape asks (shared memory, no message to
 * a shard), together with prom-client's process metrics (memory, CPU, event-loop lag, GC).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Storage } from '../shards/storage.js';
import { readShardTimer, SHARD_TIMER_NAMES, ShardTimer } from '../storage/shard-counters.js';
import { threadIdsIn } from '../util/thread-ids.js';
import { ThreadCpu } from './thread-cpu.js';

/** Where written points came in. */
export type WriteInput = 'http_json' | 'http_line' | 'graphite' | 'graphite_udp' | 'udp';
/** The inputs nobody hears back from, which drop what they cannot take and count it. */
export type DroppingInput = 'graphite' | 'graphite_udp' | 'udp';

/** Why an input dropped data nobody could be told about. */
export type DropReason = 'overload' | 'invalid' | 'refused' | 'line_too_long';

const TIMERS = Object.values(ShardTimer);
/** How often the event-loop lag histogram samples (prom-client's `eventLoopMonitoringPrecision`). */
const EVENT_LOOP_SAMPLE_MS = 100;

export class Metrics {
  private readonly registry = new Registry();
  private readonly writes: Counter<'input'>;
  private readonly points: Counter<'input'>;
  private readonly dropped: Counter<'input' | 'reason'>;
  private readonly queries: Counter;
  private readonly requests: Histogram<'handler' | 'method'>;

  constructor(storage: Storage, ingest: IngestService, cluster?: ClusterPositions) {
    const registers = [this.registry];
    // The event-loop lag histogram samples on a timer; prom-client's default of every 10 ms
    // woke an idle server 100 times a second (a tenth of a millisecond of CPU each here). A
    // stall still shows in full at 100 ms, the lag's resolution an operator can act on.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.writes = new Counter({ name: 'sluice_writes_total', help: 'Write requests (or input batches) stored', labelNames: ['input'], registers });
    this.points = new Counter({ name: 'sluice_points_written_total', help: 'Points stored, continuous-query copies included', labelNames: ['input'], registers });
    this.dropped = new Counter({
      name: 'sluice_input_dropped_total',
      help: 'Graphite lines and UDP datagrams dropped: overload, invalid data, a line over the limit, a refused write (for Graphite: one per batch of lines)',
      labelNames: ['input', 'reason'],
      registers,
    });
    this.queries = new Counter({ name: 'sluice_queries_total', help: 'Queries received', registers });
    this.requests = new Histogram({
      name: 'sluice_http_request_duration_seconds',
      help: 'HTTP request latency, from routing to the last byte handed to the socket, by route handler',
      labelNames: ['handler', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'sluice_parse_queue_bytes',
      help: 'Write body bytes received or waiting for a parse thread',
      registers,
      collect() {
        this.set(ingest.parseBacklog.bytes);
      },
    });
    new Gauge({
      name: 'sluice_parse_queue_tasks',
      help: 'Write bodies waiting for a parse thread',
      registers,
      collect() {
        this.set(ingest.parseBacklog.tasks);
      },
    });
    new Gauge({
      name: 'sluice_shard_queue_bytes',
      help: 'Write batch bytes queued for or in flight to a shard',
      labelNames: ['shard'],
      registers,
      collect() {
        for (const shard of storage.shards) this.set({ shard: String(shard.index) }, shard.queuedWriteBytes);
      },
    });
    new Gauge({
      name: 'sluice_shard_queue_operations',
      help: "Operations waiting in a shard's mailbox",
      labelNames: ['shard'],
      registers,
      collect() {
        for (const shard of storage.shards) this.set({ shard: String(shard.index) }, shard.queuedOperations);
      },
    });
    if (cluster) clusterGauges(cluster, registers);
    threadCpuCounter(storage, ingest, registers);
    shardTimerCounter('sluice_shard_operations_total', 'WAL appends (one write per group of batches), WAL fsyncs and memtable flushes, per shard', storage, registers, 'count');
    shardTimerCounter('sluice_shard_operation_seconds_total', 'Time spent in WAL appends, WAL fsyncs and memtable flushes, per shard', storage, registers, 'seconds');
  }

  recordWrite(input: WriteInput, points: number): void {
    this.writes.inc({ input });
    this.points.inc({ input }, points);
  }

  recordDropped(input: DroppingInput, reason: DropReason, count = 1): void {
    this.dropped.inc({ input, reason }, count);
  }

  recordQuery(): void {
    this.queries.inc();
  }

  observeRequest(handler: string, method: string, seconds: number): void {
    this.requests.observe({ handler, method }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Cluster mode: how far this node has stored each partition it stores, and how far its front end logged. */
export interface ClusterPositions {
  /** Per partition: the stream sequence stored here, or null for a partition another node stores. */
  readonly storedSequences: readonly (number | null)[];
  /** Per partition: the highest stream sequence this node's front end had acknowledged. */
  readonly acknowledgedSequences: readonly number[];
  /** Per partition: whether this node lost part of its history and cannot serve it. */
  readonly lostPartitions: readonly boolean[];
  /** Per partition: how far (ms) its owners are behind what this node's front end acknowledged there. */
  readonly ownerLagMs: readonly number[];
  /** Writes this node's front end held because a partition's owners were too far behind. */
  readonly writesHeld: number;
}

function clusterGauges(cluster: ClusterPositions, registers: Registry[]): void {
  const perPartition = (name: string, help: string, values: () => readonly (number | boolean | null)[]): void => {
    new Gauge({
      name,
      help,
      labelNames: ['partition'],
      registers,
      collect() {
        values().forEach((value, partition) => {
          if (value !== null) this.set({ partition: String(partition) }, Number(value));
        });
      },
    });
  };
  perPartition('sluice_cluster_partition_stored_sequence', 'Stream sequence of the partition this node has stored (partitions it stores)', () => cluster.storedSequences);
  perPartition('sluice_cluster_partition_acknowledged_sequence', "Highest stream sequence of the partition this node's front end acknowledged", () => cluster.acknowledgedSequences);
  perPartition('sluice_cluster_partition_lost', '1 when this node missed part of the partition it stores and cannot serve it', () => cluster.lostPartitions);
  perPartition('sluice_cluster_partition_owner_lag_ms', "How far (ms) the partition's owners are behind the writes this node's front end acknowledged there", () => cluster.ownerLagMs);
  new Counter({
    name: 'sluice_cluster_writes_held_total',
    help: "Writes this node's front end held because a partition's owners were more than cluster_max_owner_lag_ms behind",
    registers,
    collect() {
      this.reset();
      this.inc(cluster.writesHeld);
    },
  });
}

/** A counter read from the shards' shared timing counters at each scrape. */
function shardTimerCounter(name: string, help: string, storage: Storage, registers: Registry[], field: 'count' | 'seconds'): void {
  new Counter({
    name,
    help,
    labelNames: ['shard', 'operation'],
    registers,
    collect() {
      this.reset();
      for (const shard of storage.shards) {
        for (const timer of TIMERS) this.inc({ shard: String(shard.index), operation: SHARD_TIMER_NAMES[timer] }, readShardTimer(shard.timers, timer)[field]);
      }
    },
  });
}

/** CPU seconds of each thread (thread-cpu.ts), read at each scrape. */
function threadCpuCounter(storage: Storage, ingest: IngestService, registers: Registry[]): void {
  const threads = new ThreadCpu(() => {
    const named = new Map<number, string>();
    threadIdsIn(ingest.parseThreadIds).forEach((tid, i) => named.set(tid, `parse-${i}`));
    for (const shard of storage.shards) for (const tid of threadIdsIn(shard.threadIds)) named.set(tid, `shard-${shard.index}`);
    return named;
  });
  new Counter({
    name: 'sluice_thread_cpu_seconds_total',
    help: 'CPU time of each thread: the event loop (main), each parse and shard thread, and the rest together (other: V8 collector and compiler threads, libuv pool); Linux only',
    labelNames: ['thread'],
    registers,
    collect() {
      this.reset();
      for (const [thread, seconds] of threads.read()) this.inc({ thread }, seconds);
    },
  });
}
