/**
 * Graphite plaintext over TCP (`metric.path value timestamp\n`), as InfluxDB 0.8's Graphite
 * input: every line of every connection goes to one database through the ingest service, so
 * it is parsed on the parse threads and in the WAL before it counts as received.
 *
 * Bounded per connection: one batch of lines is being written at a time; while it is, the
 * lines that arrive meanwhile collect up to `HIGH_WATER_BYTES`, past which the socket is
 * paused, so a sender faster than the engine is slowed by TCP instead of growing memory.
 * A write refused by overload is retried (the socket stays paused); a line longer than
 * `MAX_LINE_BYTES` closes its connection. Nobody reads an answer, so bad lines are skipped,
 * counted and logged (the first of a batch), never fatal to their neighbours.
 */
import net from 'node:net';
import { HttpError } from '../errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { writeGraphiteBatch } from './graphite-batch.js';
import { LineStream, LineTooLongError } from './line-stream.js';

export const MAX_LINE_BYTES = 64 * 1024;
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 200;

export interface GraphiteOptions {
  readonly bind: string;
  readonly port: number;
  readonly db: string;
}

export class GraphiteInput {
  private readonly connections = new Set<GraphiteConnection>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(options: GraphiteOptions, ingest: IngestService, metrics: Metrics, log: Logger): Promise<GraphiteInput> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.bind, port: options.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const input = new GraphiteInput(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => {
      const connection = new GraphiteConnection(socket, options.db, ingest, metrics, log);
      input.connections.add(connection);
      void connection.finished.then(() => input.connections.delete(connection));
    });
    server.on('error', (err) => log.error({ err }, 'graphite input failed'));
    return input;
  }

  /** Stops accepting; open connections end after writing what they received. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.stop();
    await Promise.all([closed, ...[...this.connections].map((c) => c.finished)]);
  }
}

class GraphiteConnection {
  private readonly lines = new LineStream(MAX_LINE_BYTES);
  private writing = false;
  private ended = false;
  private resolveFinished!: () => void;
  readonly finished = new Promise<void>((resolve) => {
    this.resolveFinished = resolve;
  });

  constructor(
    private readonly socket: net.Socket,
    private readonly db: string,
    private readonly ingest: IngestService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.stop());
    socket.on('error', () => this.stop());
    socket.on('close', () => this.stop());
  }

  /** No more lines will come: write what is left, then finish. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.lines.end();
    this.socket.destroySoon();
    this.pump();
  }

  private receive(chunk: Buffer): void {
    try {
      this.lines.push(chunk);
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      this.metrics.recordDropped('graphite', 'line_too_long');
      this.log.warn({ input: 'graphite', remote: this.socket.remoteAddress }, `graphite connection closed: ${err.message}`);
      this.socket.destroy();
      this.stop();
      return;
    }
    if (this.lines.pendingBytes >= HIGH_WATER_BYTES) this.socket.pause();
    this.pump();
  }

  /** Writes the lines received so far, one batch at a time. */
  private pump(): void {
    if (this.writing) return;
    if (this.lines.pendingBytes === 0) {
      if (this.ended) this.resolveFinished();
      return;
    }
    this.writing = true;
    void this.write(this.lines.take()).finally(() => {
      this.writing = false;
      if (!this.ended && this.socket.isPaused() && this.lines.pendingBytes < HIGH_WATER_BYTES) this.socket.resume();
      this.pump();
    });
  }

  private async write(body: Buffer): Promise<void> {
    for (;;) {
      try {
        const admission = this.ingest.admit(this.db);
        try {
          admission.take(body.length);
          await writeGraphiteBatch(this.ingest, admission, body, 'graphite', { metrics: this.metrics, log: this.log, level: 'warn' });
        } finally {
          admission.release();
        }
        return;
      } catch (err) {
        if (err instanceof HttpError && err.status === 503) {
          // Overload: wait with the socket paused, so TCP slows the sender down.
          this.socket.pause();
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        // Counted per batch: counting its lines would mean a pass over them on the event loop.
        this.metrics.recordDropped('graphite', 'refused');
        this.log.warn({ input: 'graphite', err }, 'graphite lines dropped: the write was refused');
        return;
      }
    }
  }
}
