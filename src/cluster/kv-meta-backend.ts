import { setTimeout as sleep } from 'node:timers/promises';
import { NatsError, type JetStreamClient, type KV, type KvEntry, type NatsConnection } from 'nats';
import { MetadataTooLargeError, ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MetaBackend, MetaSink } from '../meta/meta-backend.js';
import type { MetaDocument } from '../meta/meta-document.js';
import { StartupError } from '../startup-error.js';
import { beforeDeadline, DeadlineError } from './before-deadline.js';
import { compareAndSet, isWrongRevision, kvSubject } from './kv-compare-and-set.js';
import { retryUntil } from './retry.js';

/** The one key of the bucket: the whole document, so one compare-and-set covers any change. */
const KEY = 'document';
/** Earlier documents the bucket keeps, for an operator to restore by hand (as meta.json.prev). */
const HISTORY = 5;
/** How long a change may wait for NATS before it answers 503. */
const CHANGE_TIMEOUT_MS = 5_000;
/** How long start-up waits for JetStream to serve the bucket (a new cluster elects its leaders first). */
const OPEN_TIMEOUT_MS = 30_000;
const RETRY_PAUSE_MS = 250;
/**
 * How often a node asks for the bucket's latest revision besides watching it: a watch whose
 * consumer lived on a NATS node that died goes quiet until it notices (10 s or more), and
 * other nodes' changes must not wait that long.
 */
const CHECK_INTERVAL_MS = 1_000;
/** The publish's headers (subject, expected revision) travel in the same message as the document. */
const HEADER_ROOM_BYTES = 4096;

export interface KvMetaOptions {
  readonly bucket: string;
  readonly replicas: number;
}

/**
 * The cluster's metadata as one entry of a NATS KV bucket. Every node keeps the latest document
 * in memory, watching the entry for other nodes' changes. A change is applied to a copy of the
 * latest document and stored with compare-and-set on the revision it was applied to; when
 * another node got there first, the change runs again on the newer document, so it re-checks
 * its preconditions exactly as a single node's change does.
 */
export class KvMetaBackend implements MetaBackend {
  private sink: MetaSink = () => undefined;
  private readonly stopping = new AbortController();
  private watcher: { stop(): void } | undefined;
  private following: Promise<void> = Promise.resolve();
  private checking: Promise<void> = Promise.resolve();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly subject: string,
    private readonly kv: KV,
    private readonly maxBytes: number,
    private doc: MetaDocument,
    private revision: number,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  /** Binds the bucket (made on first use); `initial` is stored when it holds no document yet. */
  static async open(nats: NatsConnection, options: KvMetaOptions, initial: () => MetaDocument, log: Pick<Logger, 'info' | 'warn' | 'error'>): Promise<KvMetaBackend> {
    const deadline = Date.now() + OPEN_TIMEOUT_MS;
    const js = nats.jetstream({ timeout: CHANGE_TIMEOUT_MS });
    const kv = await retryAtStart(deadline, `cannot open the NATS KV bucket ${options.bucket}`, log, () =>
      // Direct gets may be served by a lagging replica: a compare-and-set needs the leader's revision.
      js.views.kv(options.bucket, { replicas: options.replicas, history: HISTORY, timeout: CHANGE_TIMEOUT_MS, allow_direct: false }),
    );
    const subject = kvSubject(options.bucket, KEY);
    const stored = await retryAtStart(deadline, `cannot read the cluster metadata from ${options.bucket}`, log, () => firstDocument(js, subject, kv, initial));
    const maxPayload = nats.info?.max_payload ?? 1024 * 1024;
    const backend = new KvMetaBackend(js, subject, kv, maxPayload - HEADER_ROOM_BYTES, stored.doc, stored.revision, log);
    backend.following = backend.follow();
    backend.checking = backend.check();
    return backend;
  }

  get latest(): MetaDocument {
    return this.doc;
  }

  attach(sink: MetaSink): void {
    this.sink = sink;
  }

  async commit<T>(change: (next: MetaDocument) => T, accounts: (result: T) => boolean): Promise<T> {
    const deadline = Date.now() + CHANGE_TIMEOUT_MS;
    /** The bytes of an attempt whose answer never came: it may have been stored all the same. */
    let unanswered: string | undefined;
    for (;;) {
      const base = this.revision;
      const next = structuredClone(this.doc);
      const result = change(next);
      const text = JSON.stringify(next);
      const size = Buffer.byteLength(text);
      if (size > this.maxBytes) throw new MetadataTooLargeError(size, this.maxBytes);
      let revision: number;
      try {
        revision = await beforeDeadline(compareAndSet(this.js, this.subject, text, base), deadline);
      } catch (err) {
        if (!isWrongRevision(err)) {
          if (err instanceof DeadlineError || isTimeout(err)) unanswered = text;
          if (Date.now() + RETRY_PAUSE_MS >= deadline) throw unavailable(err, unanswered !== undefined);
          await sleep(RETRY_PAUSE_MS);
          continue;
        }
        const latest = await this.refresh(deadline);
        // Our own earlier attempt, stored though its answer was lost: done, not a conflict with itself.
        if (unanswered !== undefined && latest === unanswered) return result;
        continue;
      }
      this.take(next, revision, accounts(result));
      return result;
    }
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.watcher?.stop();
    await Promise.all([this.following, this.checking]);
  }

  /** Takes the stored document as the latest; returns its text. */
  private async refresh(deadline: number): Promise<string | undefined> {
    let entry: KvEntry | null;
    try {
      entry = await beforeDeadline(this.kv.get(KEY), deadline);
    } catch (err) {
      throw unavailable(err);
    }
    if (entry) this.seen(entry);
    return entry?.string();
  }

  /** Other nodes' changes, as they are stored, for as long as the node runs. */
  private async follow(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        const watcher = await this.kv.watch({ key: KEY });
        this.watcher = watcher;
        if (signal.aborted) watcher.stop();
        for await (const entry of watcher) this.seen(entry);
      } catch (err) {
        if (!signal.aborted) this.log.warn({ err }, 'watching the cluster metadata failed; watching again');
      }
      // The watch ends only on a failure it could not recover from: start another, which delivers the latest first.
      await sleep(RETRY_PAUSE_MS * 4, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Catches up with changes a stalled watch has not delivered yet. */
  private async check(): Promise<void> {
    const { signal } = this.stopping;
    let failing = false;
    while (await sleep(CHECK_INTERVAL_MS, true, { signal }).catch(() => false)) {
      try {
        const { streamInfo } = await this.kv.status();
        if (streamInfo.state.last_seq > this.revision) await this.refresh(Date.now() + CHANGE_TIMEOUT_MS);
        if (failing) this.log.info('the cluster metadata can be read again');
        failing = false;
      } catch (err) {
        if (!failing && !signal.aborted) this.log.warn({ err }, 'cannot read the cluster metadata; serving the last document until NATS answers');
        failing = true;
      }
    }
  }

  private seen(entry: KvEntry): void {
    if (entry.revision <= this.revision) return;
    if (entry.operation !== 'PUT') {
      this.log.error({ revision: entry.revision, operation: entry.operation }, 'the cluster metadata was deleted from its bucket; keeping the last document');
      return;
    }
    let doc: MetaDocument;
    try {
      doc = decode(entry.string());
    } catch (err) {
      this.log.error({ err, revision: entry.revision }, 'the cluster metadata in the bucket is not a metadata document; keeping the last one');
      return;
    }
    this.take(doc, entry.revision, true);
  }

  /** Replaces the latest document unless a newer one already did (the watch can outrun a change's answer). */
  private take(doc: MetaDocument, revision: number, accountsChanged: boolean): void {
    if (revision <= this.revision) return;
    const previous = this.doc;
    this.doc = doc;
    this.revision = revision;
    this.sink(previous, doc, accountsChanged);
  }
}

/** The stored document, or `initial` stored by this node when there is none (the first node to store one wins). */
async function firstDocument(js: JetStreamClient, subject: string, kv: KV, initial: () => MetaDocument): Promise<{ doc: MetaDocument; revision: number }> {
  const entry = await kv.get(KEY);
  if (entry && entry.operation === 'PUT') return { doc: decode(entry.string()), revision: entry.revision };
  const doc = initial();
  try {
    return { doc, revision: await compareAndSet(js, subject, JSON.stringify(doc), (await kv.status()).streamInfo.state.last_seq) };
  } catch (err) {
    if (!isWrongRevision(err)) throw err;
    // Another node stored one first: that one stands.
    return firstDocument(js, subject, kv, initial);
  }
}

function decode(text: string): MetaDocument {
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1) throw new Error('not a version 1 metadata document');
  return doc as MetaDocument;
}

/** Start-up's tries: the reason is logged once, and given up on as a start-up failure. */
function retryAtStart<T>(deadline: number, failure: string, log: Pick<Logger, 'warn'>, attempt: () => Promise<T>): Promise<T> {
  return retryUntil(
    deadline,
    RETRY_PAUSE_MS,
    attempt,
    (err) => new StartupError(`${failure}: ${(err as Error).message}`),
    (err) => log.warn({ err }, `${failure} yet; trying again until start-up gives up`),
  );
}

function isTimeout(err: unknown): boolean {
  return err instanceof NatsError && err.code === 'TIMEOUT';
}

/**
 * `mayLand`: an attempt was sent and never answered. NATS may still store it once the bucket
 * has a leader again (a Raft proposal cannot be taken back), so the answer says so: a retry
 * of a create can then meet what the first try made.
 */
function unavailable(err: unknown, mayLand = false): ServiceUnavailableError {
  // nats.js reports a request nobody answered by the bare code: here, a bucket without a leader.
  const reason = err instanceof NatsError && err.code === '503' ? 'no NATS server holds its leader now' : (err as Error).message;
  const outcome = mayLand ? '; the change was sent and may still be stored, so check before retrying it' : '';
  return new ServiceUnavailableError(`cluster metadata unavailable (${reason})${outcome}; retry later`);
}
