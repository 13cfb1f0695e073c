import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscardPolicy, headers, NatsError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type MsgHdrs, type NatsConnection } from 'nats';
import type { Settings } from '../config.js';
import { PartitionPartTooLargeError, ServiceUnavailableError } from '../errors.js';
import { StartupError } from '../startup-error.js';
import { COMMAND_HEADER, encodeLogCommand, type LogCommand } from './log-commands.js';
import type { LogPart } from '../storage/write-batch-messages.js';

/** A publish not acknowledged by a quorum within this long is sent again (same message id). */
const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_PAUSE_MS = 200;
/** The log drops a message whose id it saw this recently: a client's retry within it is not stored twice. */
const DUPLICATE_WINDOW_NS = 120 * 1e9;
/** Streams are created once per cluster; their elections can take a few seconds after start. */
const STREAM_SETUP_DEADLINE_MS = 30_000;

/** Bytes kept free in a message for its headers. */
const HEADER_ROOM_BYTES = 1024;

/** Headers of a write message: the request's first sequence-number ordinal, and its database's name and creation time. */
export const BASE_HEADER = 'Sluice-Base';
export const DB_HEADER = 'Sluice-Db';
export const DB_CREATED_HEADER = 'Sluice-Db-Created';
/** Headers of a write message whose batch is encoded (storage/log-batch-encoding.ts): the encoding, and the batch's size decoded. */
export const ENCODING_HEADER = 'Sluice-Encoding';
export const RAW_BYTES_HEADER = 'Sluice-Batch-Bytes';

/**
 * The cluster's ingestion log: one JetStream stream per partition, replicated on
 * `clusterReplicas` NATS servers. A write is acknowledged once every partition it touches has
 * its message on a quorum of them.
 */
export class PartitionLog {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly clusterName: string,
    readonly partitions: number,
    private readonly maxPayload: number,
    /** Past this, a write that could not be logged answers 503 (settings.clusterWriteDeadlineMs). */
    private readonly writeDeadlineMs: number,
  ) {}

  static async open(
    nc: NatsConnection,
    settings: Pick<Settings, 'clusterName' | 'clusterReplicas' | 'clusterLogBytes' | 'clusterWriteDeadlineMs'>,
    partitions: number,
  ): Promise<PartitionLog> {
    const jsm = await nc.jetstreamManager({ timeout: PUBLISH_TIMEOUT_MS });
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    const log = new PartitionLog(nc.jetstream({ timeout: PUBLISH_TIMEOUT_MS }), jsm, settings.clusterName, partitions, maxPayload, settings.clusterWriteDeadlineMs);
    const deadline = Date.now() + STREAM_SETUP_DEADLINE_MS;
    for (let p = 0; p < partitions; p++) await log.ensureStream(p, settings, deadline);
    return log;
  }

  streamName(partition: number): string {
    return `${this.clusterName}-p${partition}`;
  }

  private subject(partition: number): string {
    return `${this.clusterName}.p.${partition}`;
  }

  private async ensureStream(partition: number, settings: Pick<Settings, 'clusterReplicas' | 'clusterLogBytes'>, deadline: number): Promise<void> {
    const config = {
      name: this.streamName(partition),
      subjects: [this.subject(partition)],
      num_replicas: settings.clusterReplicas,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      // A log owners lag too far behind refuses new writes (503) rather than dropping old ones.
      discard: DiscardPolicy.New,
      max_bytes: settings.clusterLogBytes,
      duplicate_window: DUPLICATE_WINDOW_NS,
    };
    for (;;) {
      try {
        const info = await this.jsm.streams.info(config.name).catch(() => undefined);
        if (info === undefined) await this.jsm.streams.add(config);
        else if (info.config.num_replicas !== config.num_replicas) {
          throw new StartupError(`stream ${config.name} has ${info.config.num_replicas} replicas, cluster_replicas says ${config.num_replicas}`);
        }
        return;
      } catch (err) {
        if (err instanceof StartupError) throw err;
        // Two nodes starting together both try to create it; the loser finds it next time.
        if (Date.now() > deadline) throw new StartupError(`cannot create the log stream ${config.name}: ${(err as Error).message}`);
        await sleep(250);
      }
    }
  }

  /** The largest write part a message takes, leaving room for its headers. */
  get messageBytes(): number {
    return this.maxPayload - HEADER_ROOM_BYTES;
  }

  /**
   * Logs each part as one message named by its id, and resolves with each partition's highest
   * stream sequence among them (0 where the request has no part) once all are on a quorum. A
   * message that is not is sent again with the same id until the deadline; then the write
   * answers 503, and a retry of it stores only the parts not logged yet. Each part is encoded
   * (storage/log-batch-encoding.ts): its message says how, and how long the batch is decoded. The NATS message limit applies to what is sent.
   */
  async append(db: { readonly name: string; readonly created: number }, parts: readonly LogPart[], base: number, deadline = this.deadline()): Promise<number[]> {
    const largest = parts.reduce((most, part) => Math.max(most, part.batch.byteLength), 0);
    if (largest > this.messageBytes) throw new PartitionPartTooLargeError(largest, this.messageBytes);
    const headersOf = (part: LogPart): MsgHdrs => {
      const head = headers();
      head.set(BASE_HEADER, String(base));
      head.set(DB_HEADER, Buffer.from(db.name).toString('base64url'));
      head.set(DB_CREATED_HEADER, String(db.created));
      head.set(ENCODING_HEADER, part.encoding);
      head.set(RAW_BYTES_HEADER, String(part.rawBytes));
      return head;
    };
    const sequences = await Promise.all(parts.map((part) => this.publish(part.partition, new Uint8Array(part.batch), headersOf(part), part.id, deadline)));
    const highest = Array.from({ length: this.partitions }, () => 0);
    parts.forEach((part, i) => (highest[part.partition] = Math.max(highest[part.partition]!, sequences[i]!)));
    return highest;
  }

  /** When a write that starts now must have been taken by the log, or answer 503. */
  deadline(): number {
    return Date.now() + this.writeDeadlineMs;
  }

  /** Logs a command (log-commands.ts) on every partition; resolves with each one's stream sequence. */
  async appendCommand(command: LogCommand): Promise<number[]> {
    const deadline = this.deadline();
    const head = headers();
    head.set(COMMAND_HEADER, command.kind);
    const id = randomUUID();
    const payload = encodeLogCommand(command);
    return Promise.all(Array.from({ length: this.partitions }, (_, p) => this.publish(p, payload, head, `${id}.${p}`, deadline)));
  }

  private async publish(partition: number, data: Uint8Array, head: MsgHdrs, msgID: string, deadline: number): Promise<number> {
    for (;;) {
      // The last try waits only until the deadline, so the write's 503 comes when promised.
      const timeout = Math.max(1, Math.min(PUBLISH_TIMEOUT_MS, deadline - Date.now()));
      try {
        const ack = await this.js.publish(this.subject(partition), data, { msgID, headers: head, timeout });
        return ack.seq;
      } catch (err) {
        const message = (err as Error).message;
        if (isLogFull(err)) {
          throw new ServiceUnavailableError(`partition ${partition}'s log is full: its owner is behind; retry later`);
        }
        if (Date.now() + RETRY_PAUSE_MS >= deadline) throw new ServiceUnavailableError(`partition ${partition}'s log did not take the write (${message}); retry later`);
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  /** The partition's last stream sequence. */
  async lastSequence(partition: number): Promise<number> {
    return (await this.bounds(partition)).last;
  }

  /** The first message the stream still holds (last + 1 when it holds none) and its last. */
  async bounds(partition: number): Promise<{ first: number; last: number }> {
    const { state } = await this.jsm.streams.info(this.streamName(partition));
    return { first: state.first_seq, last: state.last_seq };
  }

  /** Lets the stream drop the messages below `seq`: they are stored by the partition's owner. */
  async purgeBelow(partition: number, seq: number): Promise<void> {
    await this.jsm.streams.purge(this.streamName(partition), { seq });
  }
}

/** JetStream's answer when a stream with `discard: new` is at its limit (code 503, like "no leader now"). */
const STREAM_FULL = 10077;

function isLogFull(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === STREAM_FULL;
}

