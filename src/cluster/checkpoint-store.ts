import { mkdir, mkdtemp, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NatsError, type NatsConnection, type ObjectInfo, type ObjectStore } from 'nats';
import type { Settings } from '../config.js';
import { ServiceUnavailableError } from '../errors.js';
import type { ShardCheckpoint } from '../storage/shard-checkpoint.js';
import { syncDirectoryAsync } from '../util/atomic-file.js';
import { beforeDeadline, DeadlineError } from './before-deadline.js';
import { checkpointObjectName, isPlainFileName, parseCheckpointObjectName, segmentObjectName, type CheckpointObject } from './checkpoint-object-names.js';
import './native-object-digest.js';
import { objectBytes, type ObjectSource } from './object-chunks.js';
import { objectToFile } from './object-to-file.js';
import { pacedFileStream } from './paced-file-stream.js';
import { retryUntil, untilStarted } from './retry.js';

export interface CheckpointStoreOptions {
  /** How long a call keeps trying while NATS does not answer before it fails with a 503 (default 30 s; each try may run its own timeout past it). */
  readonly callDeadlineMs?: number;
}

/** The object `p<partition>/<node>/checkpoint`: the checkpoint, its files named by the digests the bucket recorded for them. */
interface CheckpointRecord {
  readonly position: number;
  readonly manifest: string;
  readonly files: readonly { readonly name: string; readonly bytes: number; readonly digest: string }[];
}

/** A stored chunk or record waits this long for the quorum's acknowledgement. */
const WRITE_TIMEOUT_MS = 5_000;
/**
 * A read's request waits this long. Reads go through an ephemeral consumer, and after a NATS
 * server dies nats-server 2.9 still places some of them on it for a while: such a try fails
 * fast and the next one lands on a live server.
 */
const READ_TIMEOUT_MS = 2_000;
/**
 * A call is tried again (NATS unreachable, a leader being elected) until this long after its
 * first try, then answers 503. The default rides out a bucket leader's election and a NATS
 * server's restart.
 */
const DEFAULT_CALL_DEADLINE_MS = 30_000;
const RETRY_PAUSE_MS = 250;
/** A download with no byte for this long fails: the object was deleted under it, or no server answers. */
const DOWNLOAD_IDLE_MS = 10_000;
/** One stored chunk; JetStream caps it at the servers' max_payload. */
const CHUNK_BYTES = 256 * 1024;
/** An upload waits for the server to take in what it sent every this many bytes (paced-file-stream.ts). */
const UPLOAD_PACE_BYTES = 8 * 1024 * 1024;
/** A download whose checkpoint moved meanwhile starts once more from the new one, then gives up. */
const DOWNLOAD_ATTEMPTS = 2;
const METADATA_POSITION = 'position';

/**
 * The cluster's shard checkpoints, in the replicated NATS object store `<cluster>-checkpoints`:
 * each node uploads its checkpoint of a partition it stores, so that when a partition's owner
 * dies another node can start from the best one and replay the stream only past its position.
 * Names are in checkpoint-object-names.ts. A checkpoint record is stored only after every file
 * it lists, and a file is deleted only after a record no longer lists it, so a record never
 * points at a missing file; a download that meets one deleted under it (a newer checkpoint
 * replaced it) starts again from the newer record.
 */
export class CheckpointStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly writer: ObjectStore,
    private readonly reader: ObjectStore,
    /** Where downloads read objects' chunks (object-chunks.ts). */
    private readonly source: ObjectSource,
    private readonly callDeadlineMs: number,
  ) {}

  static async open(nc: NatsConnection, settings: Pick<Settings, 'clusterName' | 'clusterReplicas'>, options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
    const bucket = `${settings.clusterName}-checkpoints`;
    const readerJs = nc.jetstream({ timeout: READ_TIMEOUT_MS });
    const [writer, reader] = await untilStarted(`cannot open the cluster's checkpoint bucket ${bucket}`, async () => {
      const deadline = Date.now() + WRITE_TIMEOUT_MS;
      const writing = await beforeDeadline(nc.jetstream({ timeout: WRITE_TIMEOUT_MS }).views.os(bucket, { replicas: settings.clusterReplicas }), deadline);
      return [writing, await beforeDeadline(readerJs.views.os(bucket), deadline)] as const;
    });
    // No API check: it is a request, and the calls that use this manager have their own deadlines.
    const jsm = await nc.jetstreamManager({ timeout: READ_TIMEOUT_MS, checkAPI: false });
    const source: ObjectSource = { js: readerJs, jsm, bucket, callMs: READ_TIMEOUT_MS, idleMs: DOWNLOAD_IDLE_MS };
    return new CheckpointStore(nc, bucket, writer, reader, source, options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS);
  }

  /**
   * Stores `node`'s checkpoint of the partition: the segment files the bucket does not hold yet
   * (a file is immutable under its name), then the record naming them and the position, then
   * removes the node's files of the partition that the record no longer lists. One node's puts
   * of one partition must not overlap.
   */
  async put(partition: number, node: string, checkpoint: ShardCheckpoint): Promise<void> {
    const misnamed = checkpoint.files.find((file) => !isPlainFileName(file.name));
    if (misnamed) throw new Error(`a checkpoint's segment file name must be a plain file name, not ${JSON.stringify(misnamed.name)}`);
    const stored = await this.listed();
    const files: CheckpointRecord['files'][number][] = [];
    for (const file of checkpoint.files) {
      const name = segmentObjectName(partition, node, file.name);
      const present = stored.get(name);
      const info = present?.info.size === file.bytes ? present.info : await this.upload(name, file);
      files.push({ name: file.name, bytes: file.bytes, digest: info.digest });
    }
    const record: CheckpointRecord = { position: checkpoint.position, manifest: checkpoint.manifest, files };
    await this.answered(`cannot store node ${node}'s checkpoint of partition ${partition}`, () =>
      this.writer.putBlob({ name: checkpointObjectName(partition, node), metadata: { [METADATA_POSITION]: String(checkpoint.position) } }, new TextEncoder().encode(JSON.stringify(record))),
    );
    const listed = new Set(files.map((file) => segmentObjectName(partition, node, file.name)));
    for (const [name, { object }] of stored) {
      if (object.kind === 'segment' && object.partition === partition && object.node === node && !listed.has(name)) await this.delete(name);
    }
  }

  /** Per partition, the highest position of any node's checkpoint (0: none): the stream must keep every message above it. */
  async positions(partitions: number): Promise<number[]> {
    const highest = Array.from({ length: partitions }, () => 0);
    for (const { partition, position } of await this.checkpoints()) {
      if (partition < partitions) highest[partition] = Math.max(highest[partition]!, position);
    }
    return highest;
  }

  /** The node whose checkpoint of the partition has the highest position (on a tie, the first node id in sort order). */
  async best(partition: number): Promise<{ node: string; position: number } | undefined> {
    let best: { node: string; position: number } | undefined;
    for (const candidate of await this.checkpoints()) {
      if (candidate.partition !== partition) continue;
      if (!best || candidate.position > best.position || (candidate.position === best.position && candidate.node < best.node)) {
        best = { node: candidate.node, position: candidate.position };
      }
    }
    return best;
  }

  /**
   * Writes `node`'s checkpoint of the partition into `dir` (absent or empty) as manifest.json
   * and segments/<name>, every file checked against the digest and size the record lists, and
   * returns its position. The files are gathered in a sibling directory renamed to `dir` only
   * once the record is found unchanged after the last byte, so `dir` never holds a partial or
   * mixed checkpoint; if it changed meanwhile, the download starts once more from the new one.
   */
  async download(partition: number, node: string, dir: string): Promise<number> {
    await assertEmptyOrMissing(dir);
    await mkdir(path.dirname(dir), { recursive: true });
    let reason = '';
    for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
      const before = await this.record(partition, node);
      if (!before) throw new ServiceUnavailableError(`node ${node} has no checkpoint of partition ${partition} in the cluster`);
      const staging = await mkdtemp(`${dir}.download-`);
      try {
        await this.fetch(partition, node, before.record, staging);
        if ((await this.record(partition, node))?.revision === before.revision) {
          await rename(staging, dir);
          await syncDirectoryAsync(path.dirname(dir));
          return before.record.position;
        }
        reason = 'the checkpoint changed while it was downloaded';
      } catch (err) {
        if (err instanceof ServiceUnavailableError) throw err;
        reason = (err as Error).message;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
    throw new ServiceUnavailableError(`cannot download node ${node}'s checkpoint of partition ${partition} (${reason}); retry later`);
  }

  /** Removes every checkpoint of `node`, records first so none is left pointing at a deleted file. */
  async forget(node: string): Promise<void> {
    const own = [...(await this.listed())].filter(([, { object }]) => object.node === node);
    for (const [name, { object }] of own) if (object.kind === 'checkpoint') await this.delete(name);
    for (const [name, { object }] of own) if (object.kind === 'segment') await this.delete(name);
  }

  private async upload(name: string, file: ShardCheckpoint['files'][number]): Promise<ObjectInfo> {
    const info = await this.answered(`cannot upload the checkpoint file ${file.path}`, async () => {
      const handle = await open(file.path, 'r');
      try {
        const drained = () => beforeDeadline(this.nc.flush(), Date.now() + WRITE_TIMEOUT_MS);
        return await this.writer.put({ name, options: { max_chunk_size: CHUNK_BYTES } }, pacedFileStream(handle, CHUNK_BYTES, UPLOAD_PACE_BYTES, drained));
      } finally {
        await handle.close();
      }
    });
    if (info.size !== file.bytes) throw new Error(`the checkpoint file ${file.path} has ${info.size} bytes, its checkpoint says ${file.bytes}`);
    return info;
  }

  private async fetch(partition: number, node: string, record: CheckpointRecord, staging: string): Promise<void> {
    const segments = path.join(staging, 'segments');
    await mkdir(segments);
    for (const file of record.files) {
      if (!isPlainFileName(file.name)) throw new Error(`the checkpoint lists a file named ${JSON.stringify(file.name)}`);
      const expected = { name: segmentObjectName(partition, node, file.name), bytes: file.bytes, digest: file.digest };
      const target = path.join(segments, file.name);
      await this.answered(`cannot download ${expected.name}`, async () => {
        await rm(target, { force: true });
        await objectToFile(this.source, this.reader, expected, target);
      });
    }
    await writeFile(path.join(staging, 'manifest.json'), record.manifest, { flush: true });
    await syncDirectoryAsync(segments);
    await syncDirectoryAsync(staging);
  }

  /** The partition's checkpoint record of `node` and the bucket revision it was stored at. */
  private record(partition: number, node: string): Promise<{ record: CheckpointRecord; revision: number } | undefined> {
    return this.answered(`cannot read node ${node}'s checkpoint of partition ${partition}`, async () => {
      // Not the store's get, which reads through an ordered consumer (object-chunks.ts).
      const info = await beforeDeadline(this.reader.info(checkpointObjectName(partition, node)), Date.now() + READ_TIMEOUT_MS);
      if (info === null || info.deleted) return undefined;
      const text = new TextDecoder().decode(await objectBytes(this.source, info));
      return { record: JSON.parse(text) as CheckpointRecord, revision: info.revision };
    });
  }

  private async checkpoints(): Promise<{ partition: number; node: string; position: number }[]> {
    const found: { partition: number; node: string; position: number }[] = [];
    for (const { object, info } of (await this.listed()).values()) {
      if (object.kind === 'checkpoint') found.push({ partition: object.partition, node: object.node, position: Number(info.metadata?.[METADATA_POSITION] ?? 0) });
    }
    return found;
  }

  /**
   * Every object of the bucket this store names, by name (deleted ones left out). Read from the
   * stream leader, subject by subject, not with the store's `list`: that one answers "empty"
   * when its first lookup misses (a 404 it takes for an empty bucket, seen under load right
   * after a put), and a checkpoint missing from the list would leave a partition unadoptable.
   */
  private async listed(): Promise<Map<string, { object: CheckpointObject; info: ObjectInfo }>> {
    const infos = await this.answered('cannot list the checkpoint bucket', () => beforeDeadline(this.objectInfos(), Date.now() + READ_TIMEOUT_MS));
    const objects = new Map<string, { object: CheckpointObject; info: ObjectInfo }>();
    for (const info of infos) {
      const object = parseCheckpointObjectName(info.name);
      if (object && !info.deleted) objects.set(info.name, { object, info });
    }
    return objects;
  }

  /** The latest description of every object: the last message on each of the stream's metadata subjects. */
  private async objectInfos(): Promise<ObjectInfo[]> {
    const { jsm } = this.source;
    const stream = `OBJ_${this.bucket}`;
    const { state } = await jsm.streams.info(stream, { subjects_filter: `$O.${this.bucket}.M.>` });
    const subjects = Object.keys(state.subjects ?? {});
    return Promise.all(
      subjects.map(async (subject) => {
        const message = await jsm.streams.getMessage(stream, { last_by_subj: subject });
        return { ...(message.json<ObjectInfo>()), revision: message.seq };
      }),
    );
  }

  private async delete(name: string): Promise<void> {
    await this.answered(`cannot delete ${name} from the checkpoint bucket`, () => this.writer.delete(name));
  }

  /** `attempt`, tried again while NATS does not answer, until the call deadline: then a 503. Other failures are thrown at once. */
  private async answered<T>(failure: string, attempt: () => Promise<T>): Promise<T> {
    const outcome = await retryUntil(
      Date.now() + this.callDeadlineMs,
      RETRY_PAUSE_MS,
      async (): Promise<{ value: T } | { failed: unknown }> => {
        try {
          return { value: await attempt() };
        } catch (err) {
          if (err instanceof NatsError || err instanceof DeadlineError) throw err;
          return { failed: err };
        }
      },
      (err) => new ServiceUnavailableError(`${failure} (${(err as Error).message}); retry later`),
    );
    if ('failed' in outcome) throw outcome.failed;
    return outcome.value;
  }
}

async function assertEmptyOrMissing(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) throw new Error(`cannot download a checkpoint into ${dir}: it is not empty`);
}
